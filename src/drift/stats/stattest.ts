/**
 * What every statistic file declares beside its function: the name Evidently gives it, whether it
 * yields a p-value, which way its decision goes and with which default threshold, and where each
 * constant comes from. Nothing registers itself: the methods import the statistics they use.
 */

/**
 * Evidently's stattest names (evidently/legacy/calculations/stattests/*.py, `StatTest.name`), then
 * the tolerance method's minimum-effect tests (ours: Evidently has none).
 */
export type StatTestName =
  'ks' | 'wasserstein' | 'jensenshannon' | 'chisquare' | 'z' | 'psi' | 'ks_excess' | 'tv_excess' | 'outlier_share' | 'missing_share';

/**
 * `p_below`: drift when the p-value is below the threshold (significance test);
 * `distance_above`: drift when the statistic is at or above the threshold (effect size).
 */
export type DecisionDirection = 'p_below' | 'distance_above';

export interface StatTestMetadata {
  readonly name: StatTestName;
  /** Evidently's display name, for reports. */
  readonly displayName: string;
  readonly yieldsPValue: boolean;
  readonly direction: DecisionDirection;
  /**
   * Whether a score equal to the threshold counts as drift. Evidently's ks test drifts when
   * p <= threshold, chisquare and z when p < threshold, distances when d >= threshold.
   */
  readonly inclusive: boolean;
  readonly defaultThreshold: number;
  /** Where the function, the decision rule and each constant come from. */
  readonly sources: readonly string[];
}

/** The decision a threshold makes on a score (a p-value or a distance), as the metadata says. */
export function isDrift(test: StatTestMetadata, score: number, threshold: number = test.defaultThreshold): boolean {
  if (!Number.isFinite(score)) return false;
  if (test.direction === 'p_below') return test.inclusive ? score <= threshold : score < threshold;
  return test.inclusive ? score >= threshold : score > threshold;
}
