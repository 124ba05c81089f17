import { describe, expect, it } from 'vitest';
import { binomialSf, normalGenerator, ParetoTail } from '@damon/detectors';
import type { Stage } from '@damon/contracts';
import {
  COUNT_WEIGHT,
  fisherCombinedP,
  flaggedCountPValue,
  boundedPValue,
  MAX_DETECTOR_EVIDENCE,
  MIN_P_VALUE,
  severityOf,
  severityTerms,
  STAGE_BONUS,
  summarise,
  type SeverityEvidence,
  VERDICT_PRIOR_A,
  VERDICT_PRIOR_B,
  verdictWeight,
} from './severity';

/** Small deterministic PRNG (mulberry32) so the property tests are reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STAGES: Stage[] = ['data', 'signals', 'representations'];
const MINUTE = 60_000;

describe('Fisher combination', () => {
  // Reference: scipy.stats.combine_pvalues(ps, method="fisher").pvalue.
  const scipyFisher: [number[], number][] = [
    [[0.01, 0.02], 0.0019034386382832487],
    [[1e-4, 1e-3, 1e-5], 4.1036768507037387e-10],
    [[0.5], 0.5000000000000001],
    [[0.3, 0.4, 0.5, 0.6], 0.5749901431775709],
  ];
  it.each(scipyFisher)('fisher(%j) matches scipy', (ps, expected) => {
    expect(fisherCombinedP(ps) / expected).toBeCloseTo(1, 10);
  });
});

describe('severity terms', () => {
  it('is the softly bounded −log10 p for one detector on one stage: 12·tanh(e/12)', () => {
    expect(severityOf([{ detector: 'mmd', stage: 'data', pValue: 1e-4 }])).toBeCloseTo(
      12 * Math.tanh(4 / 12),
      12,
    );
    expect(severityOf([{ detector: 'mmd', stage: 'data', pValue: 1e-2 }])).toBeCloseTo(
      12 * Math.tanh(2 / 12),
      12,
    );
  });

  it('keeps ranking strong evidence: p = 1e-11, 1e-20, 1e-40 give distinct severities below the bound', () => {
    const s = [1e-11, 1e-20, 1e-40].map((pValue) =>
      severityOf([{ detector: 'change-point', stage: 'signals', pValue }]),
    );
    expect(s[1]).toBeGreaterThan(s[0] + 0.5);
    expect(s[2]).toBeGreaterThan(s[1] + 0.1);
    expect(s[2]).toBeLessThan(MAX_DETECTOR_EVIDENCE);
  });

  it('uses the minimum p per detector, not every alert', () => {
    const once = severityOf([{ detector: 'mmd', stage: 'data', pValue: 1e-4 }]);
    const repeated = severityOf([
      { detector: 'mmd', stage: 'data', pValue: 1e-4 },
      { detector: 'mmd', stage: 'data', pValue: 1e-3 },
    ]);
    expect(repeated).toBe(once);
  });

  it('adds the stage bonus per extra stage on top of the Fisher combination', () => {
    const ps = [1e-4, 1e-3, 1e-5];
    const evidence: SeverityEvidence[] = [
      { detector: 'mmd', stage: 'data', pValue: ps[0] },
      { detector: 'cusum', stage: 'signals', pValue: ps[1] },
      { detector: 'mahalanobis', stage: 'representations', pValue: ps[2] },
    ];
    // Fisher with 6 degrees of freedom in closed form: P = e^(−x/2)(1 + x/2 + (x/2)²/2), x = −2 Σ ln p'.
    const half = -ps.map(boundedPValue).reduce((a, p) => a + Math.log(p), 0);
    const expected = -(-half + Math.log(1 + half + (half * half) / 2)) / Math.LN10;
    const terms = severityTerms(summarise(evidence));
    expect(terms.evidence).toBeCloseTo(expected, 9);
    expect(terms.stages).toBe(2 * STAGE_BONUS);
    expect(severityOf(evidence)).toBeCloseTo(expected + 2 * STAGE_BONUS, 9);
  });

  it('bounds a rule that asserts (p = 0, e.g. unknown provenance) at the floor every detector shares', () => {
    expect(severityOf([{ detector: 'provenance', stage: 'data', pValue: 0 }])).toBeCloseTo(
      -Math.log10(MIN_P_VALUE),
      9,
    );
    const strongCrossStage = severityOf([
      { detector: 'mmd', stage: 'data', pValue: 1e-8 },
      { detector: 'change-point', stage: 'signals', pValue: 1e-7 },
    ]);
    expect(strongCrossStage).toBeGreaterThan(
      severityOf([{ detector: 'provenance', stage: 'data', pValue: 0 }]),
    );
  });

  it('counts flagged items against what α predicts (binomial tail), at half weight', () => {
    const count = { flagged: 30, tested: 1000, alpha: 0.01 };
    expect(flaggedCountPValue(count)).toBe(binomialSf(30, 1000, 0.01));
    const terms = severityTerms(
      summarise([{ detector: 'knn', stage: 'data', pValue: 0.01, flagged: count }]),
    );
    expect(terms.flaggedCount).toBeCloseTo(
      -COUNT_WEIGHT * Math.log10(boundedPValue(binomialSf(30, 1000, 0.01))),
      9,
    );
    // As many flagged items as α predicts is no evidence at all.
    expect(flaggedCountPValue({ flagged: 0, tested: 1000, alpha: 0.01 })).toBe(1);
  });

  it('adds persistence for an incident whose alerts span time, bounded', () => {
    const at = (m: number): SeverityEvidence => ({
      detector: 'mmd',
      stage: 'data',
      pValue: 1e-3,
      at: m * MINUTE,
    });
    expect(severityTerms(summarise([at(0), at(0)])).persistence).toBe(0);
    expect(severityTerms(summarise([at(0), at(90)])).persistence).toBeCloseTo(1, 9);
    expect(severityTerms(summarise([at(0), at(10)])).persistence).toBeCloseTo(Math.log10(2), 9);
  });

  it('is 0 without evidence and for p = 1', () => {
    expect(severityOf([])).toBe(0);
    expect(severityOf([{ detector: 'a', stage: 'data', pValue: 1 }])).toBe(0);
  });
});

describe('severity ranks incidents', () => {
  // Calibration scores of a detector (n = 400 clean scores), the conformal floor 1/(n+1), and its tail.
  const randn = normalGenerator(17);
  const calibration = Array.from({ length: 400 }, () => Math.abs(randn()));
  const tail = ParetoTail.fromScores(calibration)!;
  const max = Math.max(...calibration);
  const floor = 1 / 401;
  const tailP = (score: number) => tail.pValue(score, floor);

  it('keeps ranking beyond the calibration floor: farther scores, lower tail p, higher severity', () => {
    const ps = [1.2, 1.5, 2, 3].map((f) => tailP(f * max));
    for (let i = 1; i < ps.length; i++) expect(ps[i]).toBeLessThan(ps[i - 1]);
    expect(ps[0]).toBeLessThan(floor);
    const severities = ps.map((p) =>
      severityOf([{ detector: 'mahalanobis', stage: 'representations', pValue: p }]),
    );
    for (let i = 1; i < severities.length; i++) expect(severities[i]).toBeGreaterThan(severities[i - 1]);
  });

  it('puts a planted strong cross-stage incident above weak single-stage ones, and those above noise', () => {
    const strong = severityOf([
      {
        detector: 'mmd',
        stage: 'data',
        pValue: tailP(2 * max),
        flagged: { flagged: 12, tested: 200, alpha: 0.01 },
        at: 0,
      },
      { detector: 'change-point', stage: 'signals', pValue: 2e-6, at: 20 * MINUTE },
      { detector: 'mahalanobis', stage: 'representations', pValue: tailP(1.5 * max), at: 30 * MINUTE },
    ]);
    const weak = [
      severityOf([{ detector: 'mmd', stage: 'data', pValue: floor, at: 0 }]),
      severityOf([{ detector: 'change-point', stage: 'signals', pValue: 1e-3, at: 0 }]),
      severityOf([
        { detector: 'knn', stage: 'data', pValue: 0.005, flagged: { flagged: 4, tested: 200, alpha: 0.01 } },
      ]),
    ];
    // Noise: what a clean stream at α = 0.01 raises now and then.
    const noise = severityOf([{ detector: 'mahalanobis', stage: 'representations', pValue: 0.009 }]);
    for (const w of weak) {
      expect(strong).toBeGreaterThan(w + 3);
      expect(w).toBeGreaterThan(noise);
    }
  });
});

describe('severity is monotone in each term', () => {
  function randomEvidence(random: () => number): SeverityEvidence[] {
    const n = 1 + Math.floor(random() * 6);
    return Array.from({ length: n }, () => {
      const tested = 10 + Math.floor(random() * 500);
      return {
        detector: `d${Math.floor(random() * 4)}`,
        stage: STAGES[Math.floor(random() * 3)],
        // log-uniform p-values over [1e-14, 1] exercise the tail, the floor and the bulk
        pValue: Math.pow(10, -14 * random()),
        ...(random() < 0.5
          ? { flagged: { flagged: Math.floor(random() * tested * 0.1), tested, alpha: 0.01 } }
          : {}),
        at: Math.floor(random() * 120) * MINUTE,
      };
    });
  }
  const random = prng(7);
  const trials = Array.from({ length: 1500 }, () => randomEvidence(random));
  const pick = (e: SeverityEvidence[]) => Math.floor(random() * e.length);

  it('lowering any p-value never lowers severity', () => {
    for (const evidence of trials) {
      const i = pick(evidence);
      const lowered = evidence.map((e, j) => (j === i ? { ...e, pValue: e.pValue * random() } : e));
      expect(severityOf(lowered)).toBeGreaterThanOrEqual(severityOf(evidence) - 1e-9);
    }
  });

  it('more flagged items of the same tested never lower severity', () => {
    for (const evidence of trials) {
      const i = pick(evidence);
      const f = evidence[i].flagged;
      if (!f) continue;
      const more = evidence.map((e, j) =>
        j === i
          ? { ...e, flagged: { ...f, flagged: Math.min(f.tested, f.flagged + 1 + Math.floor(random() * 5)) } }
          : e,
      );
      expect(severityOf(more)).toBeGreaterThanOrEqual(severityOf(evidence) - 1e-9);
    }
  });

  it('an alert on a stage not yet involved adds exactly the stage bonus when it brings no new p, count or time', () => {
    for (const evidence of trials) {
      const used = new Set(evidence.map((e) => e.stage));
      const unused = STAGES.filter((s) => !used.has(s));
      if (unused.length === 0) continue;
      const donor = evidence[pick(evidence)];
      const extended = [...evidence, { ...donor, flagged: undefined, stage: unused[0] }];
      expect(severityOf(extended)).toBeCloseTo(severityOf(evidence) + STAGE_BONUS, 9);
    }
  });

  it('a longer span never lowers severity', () => {
    for (const evidence of trials) {
      const later = [...evidence, { ...evidence[0], flagged: undefined, pValue: 1, at: 200 * MINUTE }];
      expect(severityOf(later)).toBeGreaterThanOrEqual(severityOf(evidence) - 1e-9);
    }
  });

  it('does not depend on the order of the evidence', () => {
    for (const evidence of trials.slice(0, 300)) {
      const shuffled = [...evidence].sort(() => random() - 0.5);
      expect(severityOf(shuffled)).toBeCloseTo(severityOf(evidence), 9);
    }
  });
});

describe('verdict weights', () => {
  it('is 1 without verdicts and the posterior/prior mean ratio with them', () => {
    expect(verdictWeight(undefined)).toBe(1);
    expect(verdictWeight({ benign: 0, deceptive: 0 })).toBe(1);
    const a = VERDICT_PRIOR_A;
    const b = VERDICT_PRIOR_B;
    expect(verdictWeight({ benign: 20, deceptive: 0 })).toBeCloseTo(a / (a + b + 20) / (a / (a + b)), 12);
    expect(verdictWeight({ benign: 0, deceptive: 5 })).toBe(1);
  });

  it('is non-increasing in benign verdicts, non-decreasing in deceptive ones, within [0, 1]', () => {
    for (let d = 0; d < 10; d++) {
      for (let n = 0; n < 30; n++) {
        const w = verdictWeight({ benign: n, deceptive: d });
        expect(w).toBeGreaterThanOrEqual(0);
        expect(w).toBeLessThanOrEqual(1);
        expect(verdictWeight({ benign: n + 1, deceptive: d })).toBeLessThanOrEqual(w);
        expect(verdictWeight({ benign: n, deceptive: d + 1 })).toBeGreaterThanOrEqual(w);
      }
    }
    expect(verdictWeight({ benign: 1, deceptive: 0 })).toBeLessThan(1);
  });

  it("scales a weighted detector's evidence and records the weights; unweighted detectors unchanged", () => {
    const evidence: SeverityEvidence[] = [
      { detector: 'noisy', stage: 'data', pValue: 1e-6 },
      { detector: 'quiet', stage: 'data', pValue: 1e-6 },
    ];
    const summary = summarise(evidence);
    const plain = severityTerms(summary);
    expect(plain.detectorWeights).toBeUndefined();
    const verdicts = new Map([['noisy', { benign: 20, deceptive: 0 }]]);
    const weighted = severityTerms(summary, verdicts);
    const w = verdictWeight({ benign: 20, deceptive: 0 });
    expect(weighted.detectorWeights).toEqual([{ detector: 'noisy', weight: w, benign: 20, deceptive: 0 }]);
    expect(weighted.evidence).toBeLessThan(plain.evidence);
    const alone = severityTerms(summarise([evidence[0]]), verdicts);
    expect(alone.evidence).toBeCloseTo(w * -Math.log10(boundedPValue(1e-6)), 9);
  });
});
