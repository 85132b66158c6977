import { describe, expect, it } from 'vitest';
import { modelReference, prepareModel } from '../../../src/drift/model-drift.js';
import { createDriftWindow, type EncodedLayout } from '../../../src/drift/window.js';

// amount (numeric, column 0), channel (2 categories, columns 1-2)
const LAYOUT: EncodedLayout = {
  width: 3,
  features: [
    { name: 'amount', type: 'numeric', offset: 0 },
    { name: 'channel', type: 'categorical', offset: 1, categories: ['pos', 'web'] },
  ],
};

describe('model reference (what the live window is compared against)', () => {
  it('rounds numeric reference values to float32, so the same rows give the same values as the window', () => {
    const amounts = [0.1, 1 / 3, 123.456789, Number.NaN];
    const reference = modelReference({
      modelName: 'toy',
      modelVersion: 'v1',
      layout: LAYOUT,
      columns: [Float64Array.from(amounts), Float64Array.of(1, 0, 1, Number.NaN)],
      scores: Float32Array.of(0.25, 0.5, 0.75, 1),
    });
    // The same rows through the request path: a float32 encoded row, read back by the window.
    const window = createDriftWindow(LAYOUT, 4);
    const input = Float32Array.of(0.1, 0, 1, 1 / 3, 1, 0, 123.456789, 0, 1, 0, 1, 0);
    window.append(4, input, Uint8Array.of(1, 1, 1, 1, 1, 1, 0, 0), Float32Array.of(0.25, 0.5, 0.75, 1));
    const snapshot = window.snapshot();

    expect([...reference.columns[0]!.values]).toEqual([...snapshot.columns[0]!]);
    expect(reference.columns[0]!.values[0]).not.toBe(0.1);
    expect(reference.columns[0]).toMatchObject({ name: 'amount', kind: 'numerical' });
    expect(reference.columns[1]).toMatchObject({ name: 'channel', kind: 'categorical', categories: ['pos', 'web'] });
    expect([...reference.columns[1]!.values]).toEqual([...snapshot.columns[1]!]);
    expect([...reference.scores]).toEqual([...snapshot.scores]);
  });
});

describe("the model's drift tolerances (schema.json `drift`)", () => {
  const rows = 400;
  const amounts = Float64Array.from({ length: rows }, (_, k) => k);
  const channels = Float64Array.from({ length: rows }, (_, k) => k % 2);
  const sample = (layout: EncodedLayout) => ({
    modelName: 'toy',
    modelVersion: 'v1',
    layout,
    columns: [amounts, channels],
    scores: Float64Array.from({ length: rows }, (_, k) => k / rows),
  });
  const shifted = {
    rows,
    total: rows,
    // Every amount moved up by a quarter of the range: KS distance 0.25, and a quarter of the
    // values above the reference's q0.99.
    columns: [amounts.map((v) => v + 100), channels.slice()],
    scores: Float64Array.from({ length: rows }, (_, k) => k / rows),
  };

  it('reach the tolerance method per feature: tolerances above the shift keep the feature quiet', () => {
    const strict = prepareModel(modelReference(sample(LAYOUT)), { method: 'tolerance', minRows: 100 }).evaluate(shifted);
    expect(strict.features['amount']).toMatchObject({ drifted: true, tolerance: 0.03 });

    const lenient: EncodedLayout = {
      ...LAYOUT,
      features: [
        { ...LAYOUT.features[0]!, drift: { tolerance: 0.4, missing_tolerance: 0.1, outlier_tolerance: 0.5 } },
        LAYOUT.features[1]!,
      ],
    };
    const reference = modelReference(sample(lenient));
    expect(reference.tolerances).toEqual({ amount: { tolerance: 0.4, missingTolerance: 0.1, outlierTolerance: 0.5 } });
    const report = prepareModel(reference, { method: 'tolerance', minRows: 100 }).evaluate(shifted);
    expect(report.features['amount']).toMatchObject({ drifted: false, tolerance: 0.4 });
    expect(report.features['amount']!.missing_test).toMatchObject({ stattest: 'missing_share', tolerance: 0.1, drifted: false });
    expect(report.drift_detected).toBe(false);
  });

  it('DRIFT_DATASET_SHARE: with a share, one drifted feature of two is dataset drift only at 0.5 or below', () => {
    const reference = modelReference(sample(LAYOUT));
    expect(prepareModel(reference, { method: 'tolerance', minRows: 100 }).evaluate(shifted).drift_detected).toBe(true);
    expect(prepareModel(reference, { method: 'tolerance', minRows: 100, datasetShare: 0.5 }).evaluate(shifted).drift_detected).toBe(true);
    expect(prepareModel(reference, { method: 'tolerance', minRows: 100, datasetShare: 0.75 }).evaluate(shifted).drift_detected).toBe(false);
  });
});
