/**
 * Two-proportion z-test with a pooled proportion, as Evidently's `z` stattest computes it
 * (evidently/legacy/calculations/stattests/z_stattest.py, `proportions_diff_z_stat_ind` and
 * `proportions_diff_z_test`): the "positive" value is everything except the smallest value of the
 * pooled sample in Python's sort order (numbers ascending; strings by code point), and the
 * two-sided p-value is 2 * (1 - norm.cdf(|z|)), Evidently's expression, which reaches exactly 0 for
 * |z| > 8.3 where 2 * norm.sf(|z|) would not. When both samples hold the same single value,
 * Evidently returns p = 1 without a statistic; here the statistic is then 0.
 */
import { ndtr } from './special/cephes.js';
import type { StatTestMetadata } from './stattest.js';

export const Z_TEST: StatTestMetadata = {
  name: 'z',
  displayName: 'Z-test p_value',
  yieldsPValue: true,
  direction: 'p_below',
  inclusive: false,
  defaultThreshold: 0.05,
  sources: [
    'pooled two-proportion z statistic and p = 2 * (1 - norm.cdf(|z|)): Evidently z_stattest.py',
    'drift when p_value < 0.05: Evidently z_stattest.py (`p_value < threshold`, StatTest default 0.05)',
  ],
};

export interface ZTestResult {
  readonly statistic: number;
  readonly pValue: number;
}

/** z-test of the share of "positives" in two samples (n1, n2 > 0), in Evidently's arithmetic. */
export function proportionsZTest(positives1: number, n1: number, positives2: number, n2: number): ZTestResult {
  const p1 = positives1 / n1;
  const p2 = positives2 / n2;
  const P = (p1 * n1 + p2 * n2) / (n1 + n2);
  const z = (p1 - p2) / Math.sqrt(P * (1 - P) * (1.0 / n1 + 1.0 / n2));
  return { statistic: z, pValue: 2 * (1 - ndtr(Math.abs(z))) };
}
