import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDriftWindow, type EncodedLayout } from '../../../src/drift/window.js';

// amount (numeric, column 0), channel (3 categories, columns 1-3), age (numeric, column 4)
const LAYOUT: EncodedLayout = {
  width: 5,
  features: [
    { name: 'amount', type: 'numeric', offset: 0 },
    { name: 'channel', type: 'categorical', offset: 1, categories: ['pos', 'web', 'atm'] },
    { name: 'age', type: 'numeric', offset: 4 },
  ],
};

interface Row {
  amount?: number;
  channel?: number;
  age?: number;
  score: number;
}

/** Encode rows as the request path does: missing features hold some imputed value and given = 0. */
function encode(rows: readonly Row[]) {
  const input = new Float32Array(rows.length * LAYOUT.width);
  const given = new Uint8Array(rows.length * 3);
  const scores = new Float32Array(rows.length);
  rows.forEach((row, r) => {
    input[r * 5] = row.amount ?? -1;
    input[r * 5 + 1 + (row.channel ?? 0)] = 1;
    input[r * 5 + 4] = row.age ?? -1;
    given[r * 3] = row.amount === undefined ? 0 : 1;
    given[r * 3 + 1] = row.channel === undefined ? 0 : 1;
    given[r * 3 + 2] = row.age === undefined ? 0 : 1;
    scores[r] = row.score;
  });
  return { input, given, scores };
}

const rowArb = fc.record(
  {
    amount: fc.float({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }).map(Math.fround),
    channel: fc.integer({ min: 0, max: 2 }),
    age: fc.integer({ min: 18, max: 99 }),
    score: fc.float({ min: 0, max: 1, noNaN: true }).map(Math.fround),
  },
  { requiredKeys: ['score'] },
);

describe('drift window (ring buffer of raw feature values)', () => {
  it('holds exactly the last `capacity` rows, oldest first, decoding one-hot categories and marking omitted features NaN', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.array(rowArb, { minLength: 1, maxLength: 7 }), { maxLength: 12 }),
        (capacity, batches) => {
          const window = createDriftWindow(LAYOUT, capacity);
          for (const batch of batches) {
            const { input, given, scores } = encode(batch);
            window.append(batch.length, input, given, scores);
          }
          const all = batches.flat();
          const expected = all.slice(Math.max(0, all.length - capacity));
          const snapshot = window.snapshot();
          expect(snapshot.rows).toBe(expected.length);
          expect(snapshot.total).toBe(all.length);
          expect(window.size).toBe(expected.length);
          expect([...snapshot.columns[0]!]).toEqual(expected.map((r) => r.amount ?? NaN));
          expect([...snapshot.columns[1]!]).toEqual(expected.map((r) => r.channel ?? NaN));
          expect([...snapshot.columns[2]!]).toEqual(expected.map((r) => r.age ?? NaN));
          expect([...snapshot.scores]).toEqual(expected.map((r) => r.score));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a snapshot is a copy: later appends do not change it, and its buffers can be transferred', () => {
    const window = createDriftWindow(LAYOUT, 3);
    const first = encode([{ amount: 1, channel: 1, age: 30, score: 0.5 }]);
    window.append(1, first.input, first.given, first.scores);
    const snapshot = window.snapshot();
    const more = encode([
      { amount: 2, score: 0.1 },
      { amount: 3, score: 0.2 },
      { amount: 4, score: 0.3 },
    ]);
    window.append(3, more.input, more.given, more.scores);
    expect([...snapshot.columns[0]!]).toEqual([1]);
    const { port1 } = new MessageChannel();
    port1.postMessage(snapshot, [snapshot.columns[0]!.buffer as ArrayBuffer]);
    port1.close();
    expect([...window.snapshot().columns[0]!]).toEqual([2, 3, 4]);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => createDriftWindow(LAYOUT, 0)).toThrow(RangeError);
    expect(() => createDriftWindow(LAYOUT, 1.5)).toThrow(RangeError);
  });
});
