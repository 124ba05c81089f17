import { randomBytes } from 'node:crypto';
import { KafkaBus, SILENT_LOGGER } from '@damon/bus';
import { databaseUrlVar, kafkaBrokersVar, loadConfig } from '@damon/config';
import type { StageAlert } from '@damon/contracts';
import { createDataSource, createScratchDatabase, type ScratchDatabase } from '@damon/persistence';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AlertsConsumer } from './alerts.consumer';
import { CorrelationEngine } from './correlation-engine';
import type { CorrelationSettings } from './correlation-settings';
import { CorrelationStore } from './correlation-store';
import { CorrelationService } from './correlation.service';
import { IncidentOutboxPublisher } from './incident-outbox.publisher';
import { currentEnds, pinGroup } from '@damon/testing';

const env = loadConfig(
  z.object({
    DATABASE_URL: databaseUrlVar({ required: true }),
    KAFKA_BROKERS: kafkaBrokersVar({ required: true }),
  }),
);

const RUN = `vw${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const NOW = Date.now();
/** The console's band "high" (apps/console/src/lib/format.ts severityBand): severity ≥ 10. */
const HIGH_SEVERITY = 10;
const DETECTOR = 'mmd';
const TAIL_P = 1e-20;

/** Closed forms, independent of the code under test. */
// Beta(2, 0.5) prior, 20 benign, 0 deceptive: (2 / 22.5) / (2 / 2.5) = 1/9.
const WEIGHT_20_BENIGN = 2 / 22.5 / (2 / 2.5);
// The soft bound of −log10 p at 12: 12·tanh(20/12).
const FULL_EVIDENCE = 12 * Math.tanh(20 / 12);
// Two alerts one minute apart: log10(1 + 1/10).
const PERSISTENCE = Math.log10(1.1);

let sequence = 0;
function alert(subjectId: string, at: number): StageAlert {
  const id = `${RUN}-alert-${++sequence}`;
  return {
    eventId: `${id}-event`,
    schemaVersion: 1,
    occurredAt: new Date(at).toISOString(),
    subject: { kind: 'dataset', id: subjectId },
    alertId: id,
    stage: 'data',
    detector: DETECTOR,
    score: 20,
    pValue: 1e-3,
    alpha: 0.01,
    severityEvidence: { tailPValue: TAIL_P },
    evidence: { note: 'verdict weighting test' },
    window: { from: new Date(at - 5 * MINUTE).toISOString(), to: new Date(at).toISOString() },
    inputEventIds: [`${id}-input`],
  };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface IncidentRow {
  id: string;
  status: string;
  severity: number;
  severity_terms: { detectorWeights?: unknown[] } & Record<string, unknown>;
  alert_count: number;
}

describe('verdicts weigh the correlator’s severity (real Kafka and PostgreSQL)', () => {
  let scratch: ScratchDatabase;
  let dataSource: DataSource;
  let bus: KafkaBus;
  let consumer: AlertsConsumer;
  let publisher: IncidentOutboxPublisher;
  const noisy = `${RUN}-noisy`;
  const fresh = `${RUN}-fresh`;

  async function incidentsOf(subjectId: string): Promise<IncidentRow[]> {
    return dataSource.query<IncidentRow[]>(
      `SELECT i.id, i.status, i.severity, i.severity_terms, i.alert_count FROM incidents i
       WHERE EXISTS (SELECT 1 FROM incident_subjects s WHERE s.incident_id = i.id AND s.subject_id = $1)
       ORDER BY i.first_alert_at`,
      [subjectId],
    );
  }

  beforeAll(async () => {
    scratch = await createScratchDatabase(env.DATABASE_URL, 'damon_test_verdict_weights');
    dataSource = await createDataSource(scratch.url, { poolSize: 4 }).initialize();
    await dataSource.runMigrations();
    bus = new KafkaBus({
      brokers: env.KAFKA_BROKERS,
      clientId: `verdict-weights-${RUN}`,
      logger: SILENT_LOGGER,
      consumer: { sessionTimeout: 6_000, heartbeatInterval: 500, maxWaitTimeInMs: 200 },
    });
    await bus.ensureTopics(['damon.alerts', 'damon.lineage', 'damon.incidents']);
    const settings: CorrelationSettings = {
      hops: 3,
      windowMs: HOUR,
      groupWaitMs: 0,
      group: `${RUN}-correlator`,
    };
    await pinGroup(env.KAFKA_BROKERS, settings.group, await currentEnds(env.KAFKA_BROKERS));
    publisher = new IncidentOutboxPublisher(dataSource, bus);
    const service = new CorrelationService(
      dataSource,
      settings,
      { now: () => new Date() },
      publisher,
      new CorrelationEngine(settings),
      new CorrelationStore(),
    );
    consumer = new AlertsConsumer(bus, settings, service);
    await consumer.onApplicationBootstrap();
  });

  afterAll(async () => {
    await consumer?.beforeApplicationShutdown();
    await publisher?.idle();
    await bus?.close();
    await dataSource?.destroy();
    await scratch?.drop();
  });

  it('a detector with 20 benign verdicts on a subject no longer opens high-severity incidents there', async () => {
    // History: 20 incidents of the detector alone on the noisy subject, 3 h apart (window 1 h),
    // three days ago, each judged benign in the table the API's setVerdict writes.
    const history = Array.from({ length: 20 }, (_, i) => alert(noisy, NOW - 3 * 24 * HOUR + i * 3 * HOUR));
    await bus.publishMany('damon.alerts', history);
    const past = await until('20 past incidents', async () => {
      const rows = await incidentsOf(noisy);
      return rows.length === 20 ? rows : undefined;
    });
    // Before any verdict, each of them was high on its own: the detector's evidence is that strong.
    for (const row of past) expect(row.severity).toBeGreaterThanOrEqual(HIGH_SEVERITY);
    await dataSource.query(
      `INSERT INTO incident_triage (incident_id, verdict, verdict_by, verdict_at)
       SELECT unnest($1::text[]), 'benign', 'verdict-weighting-test', now()`,
      [past.map((r) => r.id)],
    );
    // The counts the API's detectorStats shows (view detector_precision) agree.
    const [precision] = await dataSource.query<{ benign: number; deceptive: number }[]>(
      `SELECT benign, deceptive FROM detector_precision WHERE detector = $1 AND subject_id = $2`,
      [DETECTOR, noisy],
    );
    expect(precision).toEqual({ benign: 20, deceptive: 0 });

    // Now the same alerts, from that detector alone, on the noisy subject and on a fresh one.
    await bus.publishMany('damon.alerts', [
      alert(noisy, NOW),
      alert(noisy, NOW + MINUTE),
      alert(fresh, NOW),
      alert(fresh, NOW + MINUTE),
    ]);
    const [weighted, plain] = await until('the two new incidents with both alerts', async () => {
      const current = (await incidentsOf(noisy)).filter((r) => !past.some((p) => p.id === r.id));
      const other = await incidentsOf(fresh);
      return current.length === 1 &&
        current[0].alert_count === 2 &&
        other.length === 1 &&
        other[0].alert_count === 2
        ? [current[0], other[0]]
        : undefined;
    });

    expect(plain.severity).toBeGreaterThanOrEqual(HIGH_SEVERITY);
    expect(plain.severity).toBeCloseTo(FULL_EVIDENCE + PERSISTENCE, 9);
    expect(plain.severity_terms.detectorWeights).toBeUndefined();

    expect(weighted.severity).toBeLessThan(HIGH_SEVERITY);
    expect(weighted.severity).toBeCloseTo(WEIGHT_20_BENIGN * FULL_EVIDENCE + PERSISTENCE, 9);
    const expectedWeights = [
      {
        detector: DETECTOR,
        weight: expect.closeTo(WEIGHT_20_BENIGN, 12) as number,
        benign: 20,
        deceptive: 0,
        subjects: [{ kind: 'dataset', id: noisy }],
      },
    ];
    expect(weighted.severity_terms.detectorWeights).toEqual(expectedWeights);
    const [stored] = await dataSource.query<{ detector_subjects: Record<string, string[]> }[]>(
      `SELECT detector_subjects FROM incidents WHERE id = $1`,
      [weighted.id],
    );
    expect(stored.detector_subjects).toEqual({ [DETECTOR]: [`dataset:${noisy}`] });

    // The timeline's severity changes show the weights they used.
    const entries = await dataSource.query<{ details: { severity: number; severityTerms: unknown } }[]>(
      `SELECT details FROM incident_timeline WHERE incident_id = $1 AND kind = 'alert_added' ORDER BY seq`,
      [weighted.id],
    );
    expect(entries).toHaveLength(2);
    for (const { details } of entries)
      expect(details.severityTerms).toMatchObject({ detectorWeights: expectedWeights });
    expect(entries[1].details.severity).toBeCloseTo(weighted.severity, 9);
    const plainEntries = await dataSource.query<{ details: { severityTerms: Record<string, unknown> } }[]>(
      `SELECT details FROM incident_timeline WHERE incident_id = $1 AND kind = 'alert_added'`,
      [plain.id],
    );
    expect(plainEntries.map((e) => e.details.severityTerms.detectorWeights)).toEqual([undefined, undefined]);
  });
});
