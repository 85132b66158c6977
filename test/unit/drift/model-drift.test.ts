import { describe, expect, it } from 'vitest';
import { modelReference } from '../../../src/drift/model-drift.js';
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
