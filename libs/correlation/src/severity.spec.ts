import { describe, expect, it } from 'vitest';
import {
  chiSquareSurvivalEvenDf,
  fisherCombinedP,
  logChiSquareSurvivalEvenDf,
  severityOf,
  STAGE_BONUS,
  type SeverityEvidence,
} from './severity';
import type { Stage } from '@damon/contracts';

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

describe('chi-square survival function (even degrees of freedom)', () => {
  // Reference: scipy 1.16.3, scipy.stats.chi2.logsf(x, df).
  const scipyLogSf: [number, number, number][] = [
    [0.5, 2, -0.25],
    [3.0, 4, -0.5837092681258446],
    [10.0, 6, -2.0822292679157215],
    [46.0, 8, -15.252259245353782],
    [200.0, 10, -84.71697591169848],
    [1500.0, 20, -703.209112386371],
  ];
  it.each(scipyLogSf)('logsf(%d, df=%d) matches scipy', (x, df, expected) => {
    expect(logChiSquareSurvivalEvenDf(x, df)).toBeCloseTo(expected, 10);
  });

  it('stays exact far in the tail where the plain product would underflow', () => {
    // exp(-1500) underflows to 0 in double precision (scipy's logsf returns -inf here); the log form
    // does not. Reference: -1500 + ln(Σ_{j<10} 1500^j / j!) with the sum as an exact Python Fraction.
    expect(chiSquareSurvivalEvenDf(3000, 20)).toBe(0);
    expect(logChiSquareSurvivalEvenDf(3000, 20)).toBeCloseTo(-1446.9768299669183, 9);
  });

  it('is 1 at zero and near 1 for a tiny statistic with many degrees of freedom', () => {
    expect(chiSquareSurvivalEvenDf(0, 6)).toBe(1);
    expect(logChiSquareSurvivalEvenDf(2, 40)).toBeCloseTo(-1.5875276010732616e-19, 15);
  });

  it('rejects odd or non-positive degrees of freedom', () => {
    expect(() => logChiSquareSurvivalEvenDf(1, 3)).toThrow(RangeError);
    expect(() => logChiSquareSurvivalEvenDf(1, 0)).toThrow(RangeError);
  });
});

describe('Fisher combination', () => {
  // Reference: scipy.stats.combine_pvalues(ps, method="fisher").pvalue.
  const scipyFisher: [number[], number][] = [
    [[0.01, 0.02], 0.0019034386382832487],
    [[1e-4, 1e-3, 1e-5], 4.1036768507037387e-10],
    [[0.5], 0.5000000000000001],
    [[1e-10, 0.05], 1.351079160174722e-10],
    [[0.3, 0.4, 0.5, 0.6], 0.5749901431775709],
  ];
  it.each(scipyFisher)('fisher(%j) matches scipy', (ps, expected) => {
    expect(fisherCombinedP(ps) / expected).toBeCloseTo(1, 10);
  });
});

describe('severity', () => {
  it('is -log10 p for one detector on one stage', () => {
    expect(severityOf([{ detector: 'mmd', stage: 'data', pValue: 1e-4 }])).toBeCloseTo(4, 12);
  });

  it('uses the minimum p per detector, not every alert', () => {
    const once = severityOf([{ detector: 'mmd', stage: 'data', pValue: 1e-4 }]);
    const repeated = severityOf([
      { detector: 'mmd', stage: 'data', pValue: 1e-4 },
      { detector: 'mmd', stage: 'data', pValue: 1e-3 },
      { detector: 'mmd', stage: 'data', pValue: 1e-2 },
    ]);
    expect(repeated).toBe(once);
  });

  it('adds the stage bonus per extra stage on top of the Fisher combination', () => {
    const evidence: SeverityEvidence[] = [
      { detector: 'mmd', stage: 'data', pValue: 1e-4 },
      { detector: 'cusum', stage: 'signals', pValue: 1e-3 },
      { detector: 'mahalanobis', stage: 'representations', pValue: 1e-5 },
    ];
    expect(severityOf(evidence)).toBeCloseTo(-Math.log10(4.1036768507037387e-10) + 2 * STAGE_BONUS, 9);
  });

  it('is 0 without evidence and for p = 1', () => {
    expect(severityOf([])).toBe(0);
    expect(severityOf([{ detector: 'a', stage: 'data', pValue: 1 }])).toBe(0);
  });

  it('stays finite for p = 0', () => {
    expect(Number.isFinite(severityOf([{ detector: 'a', stage: 'data', pValue: 0 }]))).toBe(true);
  });

  function randomEvidence(random: () => number): SeverityEvidence[] {
    const n = 1 + Math.floor(random() * 6);
    return Array.from({ length: n }, () => ({
      detector: `d${Math.floor(random() * 4)}`,
      stage: STAGES[Math.floor(random() * 3)],
      // log-uniform p-values over [1e-12, 1] exercise both the tail and the bulk
      pValue: Math.pow(10, -12 * random()),
    }));
  }

  it('property: lowering any p-value never lowers severity', () => {
    const random = prng(7);
    for (let trial = 0; trial < 2000; trial++) {
      const evidence = randomEvidence(random);
      const i = Math.floor(random() * evidence.length);
      const lowered = evidence.map((e, j) => (j === i ? { ...e, pValue: e.pValue * random() } : e));
      expect(severityOf(lowered)).toBeGreaterThanOrEqual(severityOf(evidence) - 1e-9);
    }
  });

  it('property: moving an alert to a stage not yet involved never lowers severity', () => {
    const random = prng(11);
    for (let trial = 0; trial < 2000; trial++) {
      const evidence = randomEvidence(random);
      const used = new Set(evidence.map((e) => e.stage));
      const unused = STAGES.filter((s) => !used.has(s));
      if (unused.length === 0) continue;
      // A new alert from an existing detector with an unchanged p, on a new stage: only the stage count grows.
      const donor = evidence[Math.floor(random() * evidence.length)];
      const extended = [...evidence, { ...donor, stage: unused[0] }];
      expect(severityOf(extended)).toBeCloseTo(severityOf(evidence) + STAGE_BONUS, 9);
    }
  });

  it('property: does not depend on the order of the evidence', () => {
    const random = prng(13);
    for (let trial = 0; trial < 500; trial++) {
      const evidence = randomEvidence(random);
      const shuffled = [...evidence].sort(() => random() - 0.5);
      expect(severityOf(shuffled)).toBeCloseTo(severityOf(evidence), 9);
    }
  });
});
