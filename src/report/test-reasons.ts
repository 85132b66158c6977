/**
 * Why a column got its tests, in words, for the report: a lookup by (method, column type), then
 * by the main stattest, then a generic sentence, so that a method or a test added later is still
 * explained (a column's own `test_reason` or `rationale` field, when the method writes one, wins).
 * The sentences restate the choices documented in drift/methods/robust.ts and evidently.ts.
 */
import type { ColumnReport } from '../drift/methods/report.js';

const BY_METHOD: Readonly<Record<string, Readonly<Record<string, string>>>> = {
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
