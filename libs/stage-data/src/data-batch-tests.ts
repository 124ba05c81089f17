import { createHash } from 'node:crypto';
import type { DatasetBatch } from '@damon/contracts';
import { benjaminiHochberg, chiSquareSf, ks2Samp, mmdTest, type Matrix } from '@damon/detectors';
import { round, type MonitorSettingsValues } from '@damon/monitor-kit';
import { DATA_DETECTORS, type FittedDataset } from './data-detectors';

const MMD_PERMUTATIONS = 200;
const TOP = 5;

/** One batch-level test result; an alert is raised by the caller when pValue ≤ α. */
export interface BatchTest {
  detector: string;
  score: number;
  pValue: number;
  /** A rule rather than a test: it alerts whenever it finds something, whatever its p-value. */
  rule?: boolean;
  evidence: () => Record<string, unknown>;
}

/**
 * Conformal p-value of meeting an id never seen in the reference: among the reference batches that
 * named an id for this role, the batches whose id no other reference batch named are the ones for
 * which the rest of the reference would also have been "unknown"; p = (1 + that count) / (n + 1).
 * Exchangeable batches make it valid, and it is bounded by 1/(n + 1): a fact seen against a short
 * reference is weak evidence, one against a long and stable reference is strong.
 */
export function unseenIdPValue(batches: Record<string, number>): {
  pValue: number;
  referenceBatches: number;
  singletons: number;
} {
  const counts = Object.values(batches);
  const referenceBatches = counts.reduce((a, b) => a + b, 0);
  const singletons = counts.filter((c) => c === 1).length;
  return { pValue: (1 + singletons) / (referenceBatches + 1), referenceBatches, singletons };
}

/** Embedding drift (MMD), feature drift (KS + BH), curation bias (χ²) and unknown provenance. */
export function batchTests(
  event: DatasetBatch,
  embeddings: Matrix | undefined,
  fitted: FittedDataset,
  settings: MonitorSettingsValues,
): BatchTest[] {
  const tests: BatchTest[] = [];
  if (embeddings && fitted.reference && embeddings.rows >= 2) {
    // Seeded by the event id: a replayed batch gets the same permutations, hence the same p-value.
    const result = mmdTest(fitted.reference, embeddings, {
      bandwidth: fitted.bandwidth,
      permutations: MMD_PERMUTATIONS,
      seed: createHash('sha256').update(event.eventId).digest().readUInt32LE(0),
    });
    tests.push({
      detector: DATA_DETECTORS.mmd,
      score: result.statistic,
      pValue: result.pValue,
      evidence: () => ({
        mmd2: round(result.statistic),
        bandwidth: round(result.bandwidth),
        permutations: result.permutations,
        referenceRows: fitted.reference!.rows,
      }),
    });
  }

  if (fitted.features.size > 0) {
    const ks = [...fitted.features].flatMap(([name, reference]) => {
      const current = event.samples.flatMap((s) =>
        s.features && name in s.features ? [s.features[name]] : [],
      );
      return current.length >= 2 ? [{ name, ...ks2Samp(reference, current) }] : [];
    });
    if (ks.length > 0) {
      const bh = benjaminiHochberg(
        ks.map((t) => t.pValue),
        settings.alpha,
      );
      const ranked = ks
        .map((t, i) => ({
          feature: t.name,
          ks: round(t.statistic),
          pValue: round(t.pValue),
          adjustedPValue: round(bh.adjusted[i]),
        }))
        .sort((a, b) => a.adjustedPValue - b.adjustedPValue);
      tests.push({
        detector: DATA_DETECTORS.featureKs,
        score: ranked[0].ks,
        pValue: ranked[0].adjustedPValue,
        evidence: () => ({
          fdr: settings.alpha,
          driftedFeatures: ranked.filter((r) => r.adjustedPValue <= settings.alpha),
          topFeatures: ranked.slice(0, TOP),
        }),
      });
    }
  }

  if (fitted.sliceRates.size > 0) {
    const counts = new Map<string, { accepted: number; total: number }>();
    for (const s of event.samples) {
      if (s.accepted === undefined || !fitted.sliceRates.has(s.slice ?? '')) continue;
      const c = counts.get(s.slice ?? '') ?? { accepted: 0, total: 0 };
      c.accepted += s.accepted ? 1 : 0;
      c.total += 1;
      counts.set(s.slice ?? '', c);
    }
    if (counts.size > 0) {
      // Goodness of fit of the batch's per-slice acceptance to the reference rates: Σ (a − n·p)² / (n·p·(1−p)) ~ χ²(slices).
      let statistic = 0;
      const slices = [...counts].map(([slice, c]) => {
        const p = fitted.sliceRates.get(slice)!;
        const residual = (c.accepted - c.total * p) / Math.sqrt(c.total * p * (1 - p));
        statistic += residual * residual;
        return {
          slice,
          accepted: c.accepted,
          total: c.total,
          rate: round(c.accepted / c.total),
          referenceRate: round(p),
          residual: round(residual),
        };
      });
      tests.push({
        detector: DATA_DETECTORS.curation,
        score: statistic,
        pValue: chiSquareSf(statistic, counts.size),
        evidence: () => ({
          dof: counts.size,
          slices: slices.sort((a, b) => Math.abs(b.residual) - Math.abs(a.residual)),
        }),
      });
    }
  }

  if (fitted.known) {
    const known = fitted.known;
    const unknown = [
      ...(event.generator && !known.generators.has(`${event.generator.kind}/${event.generator.id}`)
        ? [{ role: 'generator', ...event.generator }]
        : []),
      ...(event.curator && !known.curators.has(`${event.curator.kind}/${event.curator.id}`)
        ? [{ role: 'curator', ...event.curator }]
        : []),
    ];
    // An id the trusted phase never saw is a fact and always alerts; its p-value says how surprising
    // it is given how often the reference itself met new ids (Bonferroni over the roles checked).
    const roles = [
      ...(event.generator
        ? [{ role: 'generator', batches: known.generatorBatches, ids: known.generators }]
        : []),
      ...(event.curator ? [{ role: 'curator', batches: known.curatorBatches, ids: known.curators }] : []),
    ];
    const perRole = roles
      .filter((r) => unknown.some((u) => u.role === r.role))
      .map((r) => ({
        role: r.role,
        // Baselines fitted before the counts were kept: each known id counted once (the most cautious).
        ...unseenIdPValue(r.batches ?? Object.fromEntries([...r.ids].map((id) => [id, 1]))),
      }));
    const pValue =
      perRole.length > 0 ? Math.min(1, roles.length * Math.min(...perRole.map((r) => r.pValue))) : 1;
    tests.push({
      detector: DATA_DETECTORS.provenance,
      score: unknown.length,
      pValue,
      rule: true,
      evidence: () => ({
        rule: 'an id the reference never named',
        pValueBasis: perRole,
        unknown,
        knownGenerators: [...known.generators].slice(0, 20),
        knownCurators: [...known.curators].slice(0, 20),
      }),
    });
  }
  return tests;
}
