import { describe, expect, it } from 'vitest';
import { holm } from '../../../../src/drift/stats/holm.js';
import { effectiveSize, kolmogi, ksExcessPValue, ksExcessTest, ksLowerBound } from '../../../../src/drift/stats/ks-excess.js';
import { shareExcessTest } from '../../../../src/drift/stats/share-excess.js';
import { chiSquareQuantile, totalVariation, tvExcessTest, tvLowerBound } from '../../../../src/drift/stats/tv-excess.js';
import { decodeSample, expectClose, loadFixture, num, sortedFinite, type FixtureNumber, type Sample } from '../fixtures.js';

interface Fixture {
  ks_excess: { a: Sample; b: Sample; tolerance: number; statistic: FixtureNumber; pvalue: FixtureNumber }[];
  kolmogi: { p: number; x: number }[];
  tv_excess: { reference: number[]; current: number[]; tolerance: number; statistic: FixtureNumber; pvalue: FixtureNumber }[];
  chi2_isf: { df: number; p: number; x: number }[];
  share_excess: { x_ref: number; n_ref: number; x_cur: number; n_cur: number; tolerance: number; statistic: number; pvalue: number }[];
  holm: { pvalues: FixtureNumber[]; adjusted: FixtureNumber[] }[];
}
const fixture = loadFixture<Fixture>('tolerance.json');

describe('KS distance above a tolerance matches scipy (ks_2samp statistic, special.kolmogorov of the excess)', () => {
  fixture.ks_excess.forEach((c, k) => {
    const a = sortedFinite(decodeSample(c.a));
    const b = sortedFinite(decodeSample(c.b));
    it(`case ${k}: ${a.length} vs ${b.length} values, tolerance ${c.tolerance}`, () => {
      const r = ksExcessTest(a, b, c.tolerance);
      expectClose(r.statistic, num(c.statistic), 'D');
      expectClose(r.pValue, num(c.pvalue), 'p');
      expect(r.tolerance).toBe(c.tolerance);
    });
  });

  it('kolmogi inverts kolmogorov as scipy.special.kolmogi does', () => {
    for (const c of fixture.kolmogi) expect(Math.abs(kolmogi(c.p) - c.x)).toBeLessThan(1e-9);
  });

  it('an estimate at or below the tolerance is no evidence (p = 1); the p-value falls as the window grows', () => {
    expect(ksExcessPValue(0.03, 833, 0.03)).toBe(1);
    expect(ksExcessPValue(0.02, 833, 0.03)).toBe(1);
    const small = ksExcessPValue(0.08, effectiveSize(5000, 1000), 0.03);
    const large = ksExcessPValue(0.08, effectiveSize(5000, 10_000), 0.03);
    expect(large).toBeLessThan(small);
  });

  it('the lower confidence bound is above the tolerance exactly when the test rejects at that level', () => {
    const nEff = effectiveSize(5000, 10_000);
    for (const d of [0.04, 0.055, 0.06, 0.07, 0.1]) {
      const rejects = ksExcessPValue(d, nEff, 0.03) < 0.01;
      expect(ksLowerBound(d, nEff, 0.01) > 0.03, `D = ${d}`).toBe(rejects);
    }
  });
});

describe('total variation above a tolerance matches scipy (chi2.sf of 4 n_eff excess^2, k - 1 df)', () => {
  fixture.tv_excess.forEach((c, k) => {
    it(`case ${k}: ${c.reference.length} categories, tolerance ${c.tolerance}`, () => {
      const r = tvExcessTest(c.reference, c.current, c.tolerance);
      expectClose(r.statistic, num(c.statistic), 'TV');
      expectClose(r.pValue, num(c.pvalue), 'p');
    });
  });

  it('chiSquareQuantile inverts chdtrc as scipy.stats.chi2.isf does', () => {
    for (const c of fixture.chi2_isf) expect(Math.abs(chiSquareQuantile(c.df, c.p) - c.x) / c.x).toBeLessThan(1e-9);
  });

  it('categories absent from both samples do not count; one category leaves nothing to test', () => {
    expect(totalVariation([5, 0, 5], [5, 0, 5])).toEqual({ tv: 0, categories: 2 });
    expect(tvExcessTest([10, 0], [20, 0], 0).pValue).toBe(1);
    expect(tvLowerBound(0.2, 100, 1, 0.05)).toBe(0);
  });
});

describe('share excess: the one-sided Wald test matches scipy.stats.norm.sf', () => {
  fixture.share_excess.forEach((c, k) => {
    it(`case ${k}: ${c.x_ref}/${c.n_ref} -> ${c.x_cur}/${c.n_cur}, tolerance ${c.tolerance}`, () => {
      const r = shareExcessTest(c.x_ref, c.n_ref, c.x_cur, c.n_cur, c.tolerance);
      expectClose(r.statistic, c.statistic, 'difference');
      expectClose(r.pValue, c.pvalue, 'p');
    });
  });
});

describe("Holm's step-down adjustment matches the numpy implementation", () => {
  fixture.holm.forEach((c, k) => {
    it(`case ${k}: ${c.pvalues.length} p-values`, () => {
      const adjusted = holm(c.pvalues.map(num));
      adjusted.forEach((q, i) => expectClose(q, num(c.adjusted[i]!), `q[${i}]`));
    });
  });

  it("the smallest p-value gets Bonferroni's m p, the others keep their order, nothing exceeds 1", () => {
    const q = holm([0.01, 0.5, 0.04]);
    [0.03, 0.5, 0.08].forEach((expected, i) => expect(q[i]).toBeCloseTo(expected, 15));
    expect(holm([0.9, 0.8])).toEqual([1, 1]);
    expect(holm([])).toEqual([]);
  });
});
