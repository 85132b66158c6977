/**
 * Is the total-variation distance between two categorical distributions, TV = 1/2 sum_i |p_i - q_i|
 * (the largest difference in probability that any set of categories gets: the categorical
 * counterpart of the KS distance, in the same probability units), larger than a tolerance?
 * H0: TV <= tolerance against H1: TV > tolerance, on two samples.
 *
 * Why this bound: TV_hat <= TV + 1/2 sum_i |e_i|, where e is the difference of the two samples'
 * share errors. By Cauchy-Schwarz with weights pi_i (the common shares near the boundary),
 * sum_i |e_i| <= sqrt(sum_i e_i^2 / (c pi_i)) sqrt(c), c = 1/n_ref + 1/n_cur, and the first root is
 * that of Pearson's homogeneity statistic of the errors, asymptotically chi-square with k - 1
 * degrees of freedom (k categories present in either sample). So
 * p = chdtrc(k - 1, 4 n_eff (TV_hat - tolerance)^2) bounds the p-value at the boundary whatever
 * the number of categories, with no union over the 2^(k-1) sets of categories. Asymptotic: sparse
 * categories (expected counts below 5) make it approximate, as for chi-square itself.
 */
import { chdtrc } from './special/cephes.js';
import { effectiveSize, type ExcessTestResult } from './ks-excess.js';
import type { StatTestMetadata } from './stattest.js';

export const TV_EXCESS: StatTestMetadata = {
  name: 'tv_excess',
  displayName: 'Total variation above tolerance p_value',
  yieldsPValue: true,
  direction: 'p_below',
  inclusive: false,
  defaultThreshold: 0.05,
  sources: [
    'statistic: total-variation distance 1/2 sum |p_i - q_i| of the category shares',
    'p-value: scipy.stats.chi2.sf(4 * (TV - tolerance)**2 * n1 n2 / (n1 + n2), k - 1), 1 when TV <= tolerance',
    'the bound: triangle inequality, then Cauchy-Schwarz against the Pearson chi-square of the share errors',
  ],
};

/** TV distance of two count vectors over the same categories (totals > 0). */
export function totalVariation(refCounts: ArrayLike<number>, curCounts: ArrayLike<number>): { tv: number; categories: number } {
  let nRef = 0;
  let nCur = 0;
  for (let i = 0; i < refCounts.length; i++) {
    nRef += refCounts[i]!;
    nCur += curCounts[i]!;
  }
  let sum = 0;
  let categories = 0;
  for (let i = 0; i < refCounts.length; i++) {
    if (refCounts[i]! === 0 && curCounts[i]! === 0) continue;
    categories++;
    sum += Math.abs(refCounts[i]! / nRef - curCounts[i]! / nCur);
  }
  return { tv: sum / 2, categories };
}

export function tvExcessTest(refCounts: ArrayLike<number>, curCounts: ArrayLike<number>, tolerance: number): ExcessTestResult {
  let nRef = 0;
  let nCur = 0;
  for (let i = 0; i < refCounts.length; i++) {
    nRef += refCounts[i]!;
    nCur += curCounts[i]!;
  }
  const { tv, categories } = totalVariation(refCounts, curCounts);
  const excess = tv - tolerance;
  const pValue = excess > 0 && categories > 1 ? chdtrc(categories - 1, 4 * effectiveSize(nRef, nCur) * excess * excess) : 1;
  return { statistic: tv, tolerance, pValue };
}

/** The x with chdtrc(df, x) = p (scipy.stats.chi2.isf), by bisection: the lower confidence bound's quantile. */
export function chiSquareQuantile(df: number, p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`p must be in (0, 1), got ${p}`);
  let lo = 0;
  let hi = df + 10;
  while (chdtrc(df, hi) > p) hi *= 2;
  for (let k = 0; k < 100; k++) {
    const mid = (lo + hi) / 2;
    if (chdtrc(df, mid) > p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** One-sided lower confidence bound of TV at level 1 - a (k categories in either sample). */
export function tvLowerBound(tv: number, nEff: number, categories: number, a: number): number {
  if (categories <= 1) return 0;
  return Math.max(0, tv - Math.sqrt(chiSquareQuantile(categories - 1, a) / (4 * nEff)));
}
