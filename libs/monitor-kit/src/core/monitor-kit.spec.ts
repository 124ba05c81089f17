import { describe, expect, it } from 'vitest';
import { isCalibrationItem, scoreHistogram, splitIndexes } from './calibration-split';
import { mergeSettings, type MonitorSettingsValues } from './monitor-settings';
import { OutputBuilder } from './output-builder';

const defaults: MonitorSettingsValues = {
  alpha: 0.01,
  referenceSize: 1000,
  calibrationFraction: 0.3,
  referenceMode: 'trusted',
  maxBatchItems: 4096,
  windowSize: 500,
  fusion: 'fisher',
  detectors: { mmd: false },
};

describe('calibration split', () => {
  it('holds out exactly ⌊n·f⌋ items of every prefix, spread evenly', () => {
    for (const n of [1, 7, 10, 1000])
      expect(splitIndexes(n, 0.3).calibration.length).toBe(Math.floor(n * 0.3));
    expect(splitIndexes(10, 0.3).calibration).toEqual([3, 6, 9]);
    expect(isCalibrationItem(0, 0.5)).toBe(false);
    expect(isCalibrationItem(1, 0.5)).toBe(true);
  });

  it('histograms every finite score once', () => {
    const h = scoreHistogram([0, 1, 2, 3, 4, Number.NaN], 4);
    expect(h.counts).toEqual([1, 1, 1, 2]);
    expect(h.edges).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('settings', () => {
  it('merges a row over the defaults, detectors key by key, and ignores a malformed row', () => {
    expect(mergeSettings(defaults, { alpha: 0.05, detectors: { gaussian: false } })).toEqual({
      ...defaults,
      alpha: 0.05,
      detectors: { mmd: false, gaussian: false },
    });
    expect(mergeSettings(defaults, { alpha: 3 })).toEqual(defaults);
  });
});

describe('output ids', () => {
  const builder = new OutputBuilder('representations', () => 0.01);
  const subject = { kind: 'model' as const, id: 'm' };
  const inputs = [{ eventId: 'e1', occurredAt: '2026-01-01T00:00:00.000Z' }];
  const draft = { detector: 'fused-layers', score: 3, pValue: 0.001, evidence: {}, itemKey: 'i1' };

  it('derives the alert id from stage, detector, subject, inputs and item: reprocessing gives the same alert', () => {
    const a = builder.alert(subject, inputs, draft);
    expect(builder.alert(subject, [...inputs], { ...draft })).toEqual(a);
    expect(builder.alert(subject, inputs, { ...draft, itemKey: 'i2' }).alertId).not.toBe(a.alertId);
    expect(builder.alert({ kind: 'model', id: 'n' }, inputs, draft).alertId).not.toBe(a.alertId);
    expect(a).toMatchObject({
      eventId: a.alertId,
      occurredAt: inputs[0].occurredAt,
      window: { from: inputs[0].occurredAt, to: inputs[0].occurredAt },
      inputEventIds: ['e1'],
    });
  });

  it('keeps scores in the schema: clamps p-values, replaces infinite scores', () => {
    const batch = builder.scores(subject, inputs[0], {
      detector: 'gaussian',
      layer: 'l0',
      items: [
        { itemId: 'i', score: Infinity, pValue: 1.5 },
        { itemId: 'j', score: Number.NaN, pValue: -0.5 },
        { itemId: 'k', score: 2.5, pValue: 0.125 },
      ],
    });
    expect(batch.items).toEqual([
      { itemId: 'i', score: Number.MAX_VALUE, pValue: 1 },
      { itemId: 'j', score: 0, pValue: 0 },
      { itemId: 'k', score: 2.5, pValue: 0.125 },
    ]);
  });
});
