/**
 * Has a share (missing values, values outside the reference's range) risen above the
 * reference's by more than a tolerance? H0: p_cur - p_ref <= tolerance against
 * H1: p_cur - p_ref > tolerance: the one-sided Wald test for a difference of two independent
 * proportions with a non-zero margin (the non-inferiority form; e.g. Chow, Shao & Wang,
 * "Sample Size Calculations in Clinical Research", 2nd ed., section 4.2), each share's variance
 * from its own sample. Wald rather than a score test: with small shares its standard error grows
 * with the observed current share, so it errs conservative on this side.
 */
import { ndtr } from './special/cephes.js';
import type { ExcessTestResult } from './ks-excess.js';
import type { StatTestMetadata } from './stattest.js';

export const MISSING_SHARE: StatTestMetadata = {
  name: 'missing_share',
  displayName: 'Missing share above tolerance p_value',
  yieldsPValue: true,
  direction: 'p_below',
  inclusive: false,
  defaultThreshold: 0.05,
  sources: [
    'statistic: current minus reference share of missing values',
    'p-value: scipy.stats.norm.sf((d - tolerance) / sqrt(p1 (1 - p1) / n1 + p2 (1 - p2) / n2)), one-sided Wald',
  ],
};

export const OUTLIER_SHARE: StatTestMetadata = {
  name: 'outlier_share',
  displayName: 'Share outside the reference range above tolerance p_value',
  yieldsPValue: true,
  direction: 'p_below',
  inclusive: false,
  defaultThreshold: 0.05,
  sources: [
    'statistic: current minus reference share of values outside the reference quantiles [q0.01, q0.99] (numpy.quantile, "linear")',
    'p-value: the one-sided Wald test of missing_share',
  ],
};

/** `xRef` of `nRef` reference rows and `xCur` of `nCur` current rows have the property (n > 0). */
export function shareExcessTest(xRef: number, nRef: number, xCur: number, nCur: number, tolerance: number): ExcessTestResult {
  const pRef = xRef / nRef;
  const pCur = xCur / nCur;
  const d = pCur - pRef;
  const se = Math.sqrt((pRef * (1 - pRef)) / nRef + (pCur * (1 - pCur)) / nCur);
  // Both shares 0 or 1: no sampling variation, the difference is what it is.
  const pValue = se > 0 ? ndtr(-(d - tolerance) / se) : d > tolerance ? 0 : 1;
  return { statistic: d, tolerance, pValue };
}
