import { describe, expect, it } from 'vitest';
import {
  DECILES,
  countDistinct,
  countDistinctPooled,
  distinctValues,
  histogramCounts,
  quantileEdges,
  quantileSorted,
  rightClosedCounts,
  sturgesEdges,
} from '../../../../src/drift/stats/binning.js';
import { POW2 } from '../../../../src/drift/stats/special/double-double.js';
import { decodeSample, expectClose, loadFixture, num, sortedFinite, type FixtureNumber, type Sample } from '../fixtures.js';

interface Case {
  name: string;
  x: Sample;
  sturges_edges: FixtureNumber[];
  histogram: number[];
  deciles: FixtureNumber[];
  decile_edges: FixtureNumber[];
  right_closed_counts: number[];
}
const { cases } = loadFixture<{ cases: Case[] }>('binning.json');

describe('bins match numpy', () => {
  for (const c of cases) {
    it(`${c.name}: histogram_bin_edges("sturges"), histogram, quantile, searchsorted counts`, () => {
      const x = sortedFinite(decodeSample(c.x));
      const edges = sturgesEdges(x[0]!, x[x.length - 1]!, x.length)!;
      expect(edges.length).toBe(c.sturges_edges.length);
      edges.forEach((e, k) => expectClose(e, num(c.sturges_edges[k]!), `edge ${k}`));
      expect([...histogramCounts(x, edges)]).toEqual(c.histogram);
      DECILES.forEach((q, k) => expectClose(quantileSorted(x, q), num(c.deciles[k]!), `quantile ${q}`));
      const inner = quantileEdges(x);
      expect([...inner]).toEqual(c.decile_edges.map(num));
      expect([...rightClosedCounts(x, inner)]).toEqual(c.right_closed_counts);
    });
  }
});

describe('distinct values', () => {
  it('pools two sorted samples into one bin per value with each side’s count', () => {
    const d = distinctValues(Float64Array.from([1, 1, 2, 5]), Float64Array.from([0, 2, 2, 7]));
    expect([...d.values]).toEqual([0, 1, 2, 5, 7]);
    expect([...d.countsA]).toEqual([0, 2, 1, 1, 0]);
    expect([...d.countsB]).toEqual([1, 0, 2, 0, 1]);
    expect(countDistinctPooled(Float64Array.from([1, 1, 2, 5]), Float64Array.from([0, 2, 2, 7]))).toBe(5);
    expect(countDistinctPooled(Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8]), Float64Array.from([]), 6)).toBe(6);
    expect(countDistinct(Float64Array.from([-0, 0, 1]))).toBe(2);
  });

  it('the power-of-two table behind ldexp is exact', () => {
    for (let k = -1074; k <= 1023; k++) expect(POW2[k + 1074]).toBe(2 ** k);
    expect(POW2[0]).toBe(Number.MIN_VALUE);
  });
});
