/**
 * Why a column got its tests, in words, for the report: a lookup by (method, column type), then
 * by the main stattest, then a generic sentence, so that a method or a test added later is still
 * explained (a column's own `test_reason` or `rationale` field, when the method writes one, wins).
 * The sentences restate the choices documented in drift/methods/robust.ts and evidently.ts.
 */
import type { ColumnReport } from '../drift/methods/report.js';

const BY_METHOD: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  tolerance: {
    num:
      "Tolerance method, numerical column: is the largest difference between the reference's and the window's cumulative " +
      "distributions (the Kolmogorov-Smirnov distance, in probability units) larger than this feature's tolerance? A minimum-effect " +
      'test: a significant but smaller shift is not drift, so the answer does not depend on the window size; the reference is a ' +
      "sample too, and its noise is in the test. Beside it, the share of values outside the reference's central 98 % (a few broken " +
      'values, such as a unit error on 2 % of rows, move the distance too little) and the missing share, its own signal. ' +
      'p-values are Holm-adjusted over every test of the evaluation: the chance of any false flag when nothing moved beyond its ' +
      'tolerance is at most 5 %.',
    cat:
      'Tolerance method, categorical column: is the total-variation distance (the largest change in the share of any set of ' +
      "categories) larger than this feature's tolerance? The same question as the Kolmogorov-Smirnov distance for numbers, " +
      'with the missing share as its own signal; p-values Holm-adjusted over every test of the evaluation.',
  },
  robust: {
    num:
      'Robust method, numerical column: the two-sample Kolmogorov-Smirnov test (scipy.stats.ks_2samp) for any sample size, ' +
      'its p-value adjusted across columns with Benjamini-Hochberg, and PSI on the reference deciles for the size of the shift: ' +
      'the column drifts only when both say so (significant and large enough to matter).',
    cat:
      'Robust method, categorical column: the chi-square test of homogeneity of reference and current counts ' +
      '(scipy.stats.chi2_contingency; both samples are samples), its p-value adjusted across columns with Benjamini-Hochberg, ' +
      'and PSI over the categories: the column drifts only when both say so.',
  },
  evidently: {
    num:
      'Evidently method (DataDriftPreset): the test Evidently picks from the sample sizes — up to 1000 reference values, z (2 values), ' +
      'chi-square (3-5) or Kolmogorov-Smirnov (more); beyond, Jensen-Shannon (up to 5 values) or normed Wasserstein distance — ' +
      'each with its default threshold.',
    cat:
      'Evidently method (DataDriftPreset): up to 1000 reference values, z (2 categories) or chi-square goodness of fit; ' +
      'beyond, Jensen-Shannon distance, each with its default threshold.',
  },
};

const BY_STATTEST: Readonly<Record<string, string>> = {
  ks: 'Kolmogorov-Smirnov: the largest gap between the two empirical distribution functions; a p-value below the threshold is drift.',
  chisquare: 'Chi-square: observed against expected category counts; a p-value below the threshold is drift.',
  z: 'Two-proportion z-test on a binary column; a p-value below the threshold is drift.',
  wasserstein: 'Wasserstein distance divided by the reference standard deviation; a distance at or above the threshold is drift.',
  jensenshannon: 'Jensen-Shannon distance between the binned shares; a distance at or above the threshold is drift.',
  psi: 'Population stability index over the bins; a value at or above the threshold is a shift large enough to act on.',
  ks_excess:
    "Kolmogorov-Smirnov distance above the feature's tolerance (H0: distance <= tolerance); a Holm-adjusted p-value below the threshold is drift.",
  tv_excess:
    "Total-variation distance above the feature's tolerance (H0: distance <= tolerance); a Holm-adjusted p-value below the threshold is drift.",
  outlier_share:
    "Share of values outside the reference's [q0.01, q0.99], above the reference's own share by more than the tolerance; a Holm-adjusted p-value below the threshold is drift.",
  missing_share:
    "Share of rows without the feature, above the reference's by more than the tolerance: its own signal (a caller problem), not part of the column's decision.",
};

/** The sentence the report prints under a column's tests. */
export function testReason(method: string, column: ColumnReport): string {
  const own = (column as unknown as Record<string, unknown>)['test_reason'] ?? (column as unknown as Record<string, unknown>)['rationale'];
  if (typeof own === 'string' && own.length > 0) return own;
  const byMethod = Object.hasOwn(BY_METHOD, method) ? BY_METHOD[method]! : undefined;
  if (byMethod && Object.hasOwn(byMethod, column.column_type)) return byMethod[column.column_type]!;
  const main = String(column.stattest);
  const byTest = Object.hasOwn(BY_STATTEST, main) ? BY_STATTEST[main] : undefined;
  return byTest
    ? `Method ${method}: main test ${main}. ${byTest}`
    : `Method ${method}: main test ${main}, compared with its threshold; every test listed makes up the decision.`;
}

/** One line per stattest, for the legend of a tests table (unknown tests: their direction only). */
export function stattestDescription(stattest: string, direction: string): string {
  if (Object.hasOwn(BY_STATTEST, stattest)) return BY_STATTEST[stattest]!;
  if (direction === 'p_below') return `${stattest}: a p-value below the threshold is drift.`;
  if (direction === 'distance_above') return `${stattest}: a statistic at or above the threshold is drift.`;
  return `${stattest}: compared with its threshold (${direction}).`;
}
