import { describe, expect, it } from 'vitest';
import { columnDistributions, MAX_CATEGORY_BINS } from '../../../src/drift/distributions.js';
import { binPsi, categoricalColumns, countBins, numericalColumn, referenceBins } from '../../../src/drift/index.js';

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

describe('report distributions', () => {
  it('numerical: the reference deciles the fleet bins use, the same current shares, missing as a share of all rows', () => {
    const reference = numericalColumn(
      'x',
      Array.from({ length: 1000 }, (_, i) => i),
    );
    const current = numericalColumn('x', [...Array.from({ length: 800 }, (_, i) => 500 + i), ...Array(200).fill(null)]);
    const [d] = columnDistributions([reference], [current]);
    const [bins] = referenceBins([reference]);
    const counts = countBins(bins!, current.values);
    expect(d!.bins).toHaveLength(bins!.bins.length);
    expect(d!.bins.at(-1)).toEqual({ label: 'missing', kind: 'missing', reference: 0, current: 0.2 });
    const values = d!.bins.slice(0, -1);
    values.forEach((b, k) => {
      expect(b.reference).toBeCloseTo(bins!.referenceRatios[k]!, 12);
      expect(b.current).toBeCloseTo(counts[k]! / 800, 12);
    });
    expect(sum(values.map((b) => b.current))).toBeCloseTo(1, 12);
    // Edges as labels: the first bin closed above, the last open.
    expect(values[0]!.label).toMatch(/^≤ /);
    expect(values.at(-1)!.label).toMatch(/^> /);
    // PSI from these shares is the fleet bins' PSI (no zero shares here).
    expect(binPsi(bins!, counts)).toBeGreaterThan(0.1);
  });

  it('categorical: categories the reference never had are flagged unseen; a category named "missing" does not merge with the missing bin', () => {
    const { reference, current } = categoricalColumns('c', ['a', 'b', 'missing', 'a'], ['a', 'z', null, 'missing']);
    const [d] = columnDistributions([reference], [current]);
    expect(d!.bins.map((b) => [b.label, b.kind])).toEqual([
      ['a', 'value'],
      ['b', 'value'],
      ['_missing', 'value'],
      ['z (unseen)', 'unseen'],
      ['missing', 'missing'],
    ]);
    expect(d!.bins.find((b) => b.kind === 'unseen')).toMatchObject({ reference: 0, current: 1 / 3 });
    expect(d!.bins.at(-1)).toMatchObject({ reference: 0, current: 0.25 });
  });

  it(`more than ${MAX_CATEGORY_BINS} categories: the largest kept, the rest summed in one "other" bin; shares still sum to 1`, () => {
    const many = Array.from({ length: 100 }, (_, i) => `c${String(i).padStart(3, '0')}`);
    const ref = many.flatMap((c, i) => Array<string>(i < 5 ? 50 : 1).fill(c));
    const { reference, current } = categoricalColumns('c', ref, ref);
    const [d] = columnDistributions([reference], [current]);
    expect(d!.bins).toHaveLength(MAX_CATEGORY_BINS + 2);
    expect(d!.bins.slice(0, 5).map((b) => b.label)).toEqual(many.slice(0, 5));
    const other = d!.bins.at(-2)!;
    expect(other).toMatchObject({ kind: 'other', label: `other (${100 - MAX_CATEGORY_BINS} categories)` });
    expect(sum(d!.bins.slice(0, -1).map((b) => b.reference))).toBeCloseTo(1, 12);
  });
});
