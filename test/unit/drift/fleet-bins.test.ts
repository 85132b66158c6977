import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  binIndex,
  binPsi,
  countBins,
  createBinCounts,
  evaluateDrift,
  prepareReference,
  referenceBins,
  type Column,
} from '../../../src/drift/index.js';
import { prepareColumn, type PreparedNumerical } from '../../../src/drift/methods/prepared-reference.js';
import { rightClosedCounts } from '../../../src/drift/stats/binning.js';
import type { EncodedLayout } from '../../../src/drift/window.js';

const CHANNELS = ['pos', 'web', 'atm'];
// amount (numeric, column 0), channel (3 categories, columns 1-3), age (numeric, column 4)
const LAYOUT: EncodedLayout = {
  width: 5,
  features: [
    { name: 'amount', type: 'numeric', offset: 0 },
    { name: 'channel', type: 'categorical', offset: 1, categories: CHANNELS },
    { name: 'age', type: 'numeric', offset: 4 },
  ],
};

/** A seeded reference: amount log-normal-ish with a few missing values, channel skewed, age integer. */
function reference(n = 1000): Column[] {
  const rand = mulberry32(7);
  const amount = Float64Array.from({ length: n }, (_, i) => (i % 97 === 0 ? NaN : Math.fround(Math.exp(3 + rand()))));
  const channel = Float64Array.from({ length: n }, () => (rand() < 0.6 ? 0 : rand() < 0.7 ? 1 : 2));
  const age = Float64Array.from({ length: n }, () => 18 + Math.floor(rand() * 60));
  return [
    { name: 'amount', kind: 'numerical', values: amount },
    { name: 'channel', kind: 'categorical', values: channel, categories: CHANNELS },
    { name: 'age', kind: 'numerical', values: age },
  ];
}

function mulberry32(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('fleet bins from the reference', () => {
  const columns = reference();
  const [amount, channel, age] = referenceBins(columns);

  it("numeric bins are exactly the robust method's reference-decile bins, named q00.. then missing", () => {
    const prepared = prepareColumn(columns[0]!) as PreparedNumerical;
    expect(amount!.edges).toEqual(prepared.quantileEdges);
    expect(amount!.edges).toHaveLength(9);
    expect(amount!.bins).toEqual(['q00', 'q01', 'q02', 'q03', 'q04', 'q05', 'q06', 'q07', 'q08', 'q09', 'missing']);
    // The reference counted with binIndex gives the robust method's counts, and its missing values.
    const counts = countBins(amount!, columns[0]!.values);
    expect([...counts.subarray(0, 10)]).toEqual([...rightClosedCounts(prepared.sorted, prepared.quantileEdges)]);
    expect(counts[10]).toBe(prepared.missing);
    expect(prepared.missing).toBeGreaterThan(0);
  });

  it('reference ratios: value bins share the non-missing values (sum 1), missing is the share of all rows', () => {
    const prepared = prepareColumn(columns[0]!) as PreparedNumerical;
    const values = [...amount!.referenceRatios.subarray(0, 10)];
    expect(values.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(values).toEqual([...prepared.quantileCounts].map((c) => c / prepared.sorted.length));
    expect(amount!.referenceRatios[10]).toBe(prepared.missing / 1000);
  });

  it('a value on an edge belongs to the bin below it (right-closed); outer bins are open', () => {
    const edges = amount!.edges;
    expect(binIndex(amount!, edges[0]!)).toBe(0);
    expect(binIndex(amount!, Math.fround(edges[0]! + 1e-3))).toBe(1);
    expect(binIndex(amount!, -1e30)).toBe(0);
    expect(binIndex(amount!, edges[8]!)).toBe(8);
    expect(binIndex(amount!, 1e30)).toBe(9);
    expect(binIndex(amount!, NaN)).toBe(10);
  });

  it('integer features get deduplicated deciles: fewer bins, still contiguous names', () => {
    const binary: Column = { name: 'flag', kind: 'numerical', values: Float64Array.from({ length: 100 }, (_, i) => (i < 85 ? 0 : 1)) };
    const [flag] = referenceBins([binary]);
    expect([...flag!.edges]).toEqual([0, 1]);
    expect(flag!.bins).toEqual(['q00', 'q01', 'q02', 'missing']);
    expect([...flag!.referenceRatios]).toEqual([0.85, 0.15, 0, 0]);
    expect(age!.bins.at(-1)).toBe('missing');
  });

  it('categorical bins: the schema categories in order, then unseen and missing', () => {
    expect(channel!.bins).toEqual(['pos', 'web', 'atm', 'unseen', 'missing']);
    expect(binIndex(channel!, 2)).toBe(2);
    expect(binIndex(channel!, 3)).toBe(3);
    expect(binIndex(channel!, 1.5)).toBe(3);
    expect(binIndex(channel!, NaN)).toBe(4);
    expect(channel!.referenceRatios[3]).toBe(0);
  });

  it('a category named like a special bin is renamed, never merged with it', () => {
    const odd: Column = {
      name: 'status',
      kind: 'categorical',
      values: Float64Array.from([0, 1, 2, 3]),
      categories: ['missing', '_missing', 'unseen', 'ok'],
    };
    const [status] = referenceBins([odd]);
    expect(status!.bins).toEqual(['__missing', '_missing', '_unseen', 'ok', 'unseen', 'missing']);
    expect(new Set(status!.bins).size).toBe(status!.bins.length);
  });
});

describe('PSI of bin counts is the robust PSI', () => {
  const columns = reference();
  const bins = referenceBins(columns);
  const prepared = prepareReference(columns, { method: 'robust' });

  it('for shifted, partly missing samples of every kind (200 random cases)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.double({ min: 0.3, max: 3, noNaN: true }), (seed, scale) => {
        const rand = mulberry32(seed);
        const n = 150;
        const current: Column[] = [
          {
            name: 'amount',
            kind: 'numerical',
            values: Float64Array.from({ length: n }, () => (rand() < 0.05 ? NaN : Math.fround(scale * Math.exp(3 + rand())))),
          },
          {
            name: 'channel',
            kind: 'categorical',
            values: Float64Array.from({ length: n }, () => (rand() < 0.05 ? NaN : Math.floor(rand() * 3))),
            categories: CHANNELS,
          },
          { name: 'age', kind: 'numerical', values: Float64Array.from({ length: n }, () => Math.floor(18 + scale * rand() * 40)) },
        ];
        const report = evaluateDrift(prepared, current, { method: 'robust', minRows: 1 });
        current.forEach((column, f) => {
          const fromBins = binPsi(bins[f]!, countBins(bins[f]!, column.values));
          expect(fromBins).toBeCloseTo(report.columns[column.name]!.psi!, 12);
        });
      }),
      { numRuns: 200, seed: 11 },
    );
  });

  it('no value counted: NaN, not a number that could pass a threshold', () => {
    expect(binPsi(bins[0]!, new Float64Array(bins[0]!.bins.length))).toBeNaN();
  });
});

describe('createBinCounts: the request path', () => {
  const bins = referenceBins(reference());

  it('counts encoded batches exactly as countBins counts the decoded columns (missing, categories, edges)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            amount: fc.option(fc.oneof(fc.float({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(...bins[0]!.edges)), {
              nil: undefined,
            }),
            channel: fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }),
            age: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
          }),
          { maxLength: 40 },
        ),
        (rows) => {
          const counts = createBinCounts(LAYOUT, bins);
          const input = new Float32Array(rows.length * LAYOUT.width);
          const given = new Uint8Array(rows.length * 3);
          const decoded = [0, 1, 2].map(() => new Float64Array(rows.length));
          rows.forEach((row, r) => {
            // Missing features hold an imputed value the counts must not see.
            input[r * 5] = row.amount ?? 48.5;
            input[r * 5 + 1 + (row.channel ?? 0)] = 1;
            input[r * 5 + 4] = row.age ?? 44;
            given[r * 3] = row.amount === undefined ? 0 : 1;
            given[r * 3 + 1] = row.channel === undefined ? 0 : 1;
            given[r * 3 + 2] = row.age === undefined ? 0 : 1;
            decoded[0]![r] = row.amount === undefined ? NaN : Math.fround(row.amount);
            decoded[1]![r] = row.channel ?? NaN;
            decoded[2]![r] = row.age ?? NaN;
          });
          // Two appends: counts accumulate.
          const half = Math.floor(rows.length / 2);
          counts.append(half, input.subarray(0, half * 5), given.subarray(0, half * 3));
          counts.append(rows.length - half, input.subarray(half * 5), given.subarray(half * 3));
          bins.forEach((feature, f) => {
            const start = counts.starts[f]!;
            expect([...counts.counts.subarray(start, start + feature.bins.length)]).toEqual([...countBins(feature, decoded[f]!)]);
          });
          expect(counts.counts.reduce((a, b) => a + b, 0)).toBe(rows.length * 3);
        },
      ),
      { numRuns: 200, seed: 5 },
    );
  });

  it('a layout and bins that disagree are refused at creation', () => {
    expect(() => createBinCounts(LAYOUT, bins.slice(0, 2))).toThrow(RangeError);
  });
});
