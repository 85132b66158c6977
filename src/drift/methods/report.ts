/**
 * The drift report: the JSON the CLI prints, GET /drift serves and the Prometheus exporter turns
 * into gauges. Every number in it is finite (no NaN, no ±Infinity); "no p-value" is null.
 */
import type { DecisionDirection, StatTestName } from '../stats/stattest.js';

export type DriftMethod = 'tolerance' | 'robust' | 'evidently';

/** One test's decision on one column. */
export interface DriftTestReport {
  readonly stattest: StatTestName;
  readonly statistic: number;
  /** The p-value compared with the threshold (robust: Benjamini-Hochberg adjusted); null for distances. */
  readonly p_value: number | null;
  readonly threshold: number;
  readonly direction: DecisionDirection;
  readonly drifted: boolean;
  /** Minimum-effect tests (tolerance method): the effect the statistic must exceed to be drift. */
  readonly tolerance?: number;
}

/**
 * - `ok`: the column was tested and `drifted` is a decision;
 * - `insufficient_data`: fewer current values than `minRows` (or none): statistics are shown
 *   where they can be computed, but nothing is decided (`drifted` is false);
 * - `degenerate`: the data leave nothing to test (an empty reference, a single category in both
 *   samples); conventional values (statistic 0, p-value 1) and a `reason`.
 */
export type ColumnStatus = 'ok' | 'insufficient_data' | 'degenerate';

export interface ColumnReport {
  /** Evidently's column types: 'num' or 'cat'. */
  readonly column_type: 'num' | 'cat';
  /** The column's main test (Evidently's name); its result is `score` against `threshold`. */
  readonly stattest: StatTestName;
  /** The p-value for tests that yield one (`p_value`), the statistic otherwise: Evidently's drift_score. */
  readonly score: number;
  readonly threshold: number;
  readonly drifted: boolean;
  readonly statistic: number;
  /** The p-value the decision uses (robust: BH-adjusted); null when the main test has none. */
  readonly p_value: number | null;
  /** The test's own p-value, before any multiple-testing adjustment. */
  readonly p_value_raw: number | null;
  /** PSI of current against reference on the method's bins (see each method). */
  readonly psi: number;
  readonly status: ColumnStatus;
  /** Why a value is conventional or a decision was not made; absent when there is nothing to say. */
  readonly reason?: string;
  /** Non-missing values in the reference and in the current window. */
  readonly n_reference: number;
  readonly n_current: number;
  /** Share of missing values (NaN, ±Infinity, invalid codes) in the current window, and in the reference. */
  readonly missing_ratio: number;
  readonly reference_missing_ratio: number;
  /** Categorical: share of current values whose category never occurs in the reference; null for numerical. */
  readonly unseen_ratio: number | null;
  /** Every test whose decision makes up `drifted`. */
  readonly tests: readonly DriftTestReport[];
  /** Tolerance method: the effect (KS distance, or total variation for categories), in probability units. */
  readonly effect?: number;
  /** Tolerance method: the largest effect that is not drift (schema.json `drift.tolerance` or the default). */
  readonly tolerance?: number;
  /**
   * Tolerance method: a lower confidence bound of the effect, simultaneous over the evaluation's
   * tests at 1 - alpha (Bonferroni); the feature drifts about when it exceeds `tolerance`.
   */
  readonly effect_lower_bound?: number;
  /** Tolerance method, numerical: share of current and reference values outside the reference's [q0.01, q0.99]. */
  readonly outlier_ratio?: number;
  readonly reference_outlier_ratio?: number;
  /** Tolerance method: the missing-share test, its own signal (not part of `drifted`). */
  readonly missing_test?: DriftTestReport;
}

export interface DriftReport {
  readonly method: DriftMethod;
  readonly dataset_drift: boolean;
  readonly share_of_drifted_columns: number;
  readonly drifted_columns: readonly string[];
  readonly number_of_columns: number;
  readonly columns: Readonly<Record<string, ColumnReport>>;
}
