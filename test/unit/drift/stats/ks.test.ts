import { describe, expect, it } from 'vitest';
import { KS, ks2Samp, ksStatistic, roundHalfEven } from '../../../../src/drift/stats/ks.js';
import { isDrift } from '../../../../src/drift/stats/stattest.js';
import { decodeSample, expectClose, loadFixture, num, sortedFinite, type FixtureNumber, type Sample } from '../fixtures.js';

interface Case {
  name: string;
  a: Sample;
  b: Sample;
  statistic: FixtureNumber;
  pvalue: FixtureNumber;
  method: 'exact' | 'asymp';
}
const { cases } = loadFixture<{ cases: Case[] }>('ks.json');

describe('ks2Samp matches scipy.stats.ks_2samp(method="auto")', () => {
  for (const c of cases) {
    it(`${c.name}: statistic, p-value and exact/asymptotic choice`, () => {
      const a = sortedFinite(decodeSample(c.a));
      const b = sortedFinite(decodeSample(c.b));
      const r = ks2Samp(a, b);
      expectClose(r.statistic, num(c.statistic), 'statistic');
      expectClose(r.pValue, num(c.pvalue), 'p-value');
      expect(r.method).toBe(c.method);
    });
  }

  it('covers both sides of the exact/asymptotic switch at 10,000 and both exact algorithms', () => {
    const methods = new Set(cases.map((c) => `${c.method}:${c.a.values.length === c.b.values.length}`));
    expect(methods).toEqual(new Set(['exact:true', 'exact:false', 'asymp:true', 'asymp:false']));
  });
});

describe('KS details', () => {
  it('the statistic is symmetric in its samples, with ties counted after all equal values', () => {
    const a = Float64Array.from([1, 2, 2, 2, 3]);
    const b = Float64Array.from([2, 2, 4]);
    // F_a(2) = 4/5, F_b(2) = 2/3; F_a(3) = 1, F_b(3) = 2/3: D = 1/3
    expect(ksStatistic(a, b)).toBeCloseTo(1 / 3, 15);
    expect(ksStatistic(b, a)).toBeCloseTo(1 / 3, 15);
  });

  it('rounds half to even like numpy.round', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, -0, -2, 2, 3]);
  });

  it('Evidently drifts at p <= 0.05, boundary included', () => {
    expect(isDrift(KS, 0.05)).toBe(true);
    expect(isDrift(KS, 0.0500001)).toBe(false);
  });

  it('maxExactCells sends large unequal samples to the asymptotic p-value, which agrees with the exact one there', () => {
    const a = Float64Array.from({ length: 3000 }, (_, i) => Math.sin(i * 12.9898) * 0.5 + (i % 7) / 7);
    const b = Float64Array.from({ length: 4000 }, (_, i) => Math.sin(i * 78.233) * 0.5 + (i % 5) / 5 + 0.02);
    a.sort();
    b.sort();
    const exact = ks2Samp(a, b);
    const bounded = ks2Samp(a, b, 1_000_000);
    expect(exact.method).toBe('exact');
    expect(bounded.method).toBe('asymp');
    expect(bounded.statistic).toBeCloseTo(exact.statistic, 9);
    expect(Math.abs(bounded.pValue - exact.pValue)).toBeLessThan(0.01);
    // Equal sizes stay exact: that path is linear.
    expect(ks2Samp(a, a.slice(), 1).method).toBe('exact');
  });
});
