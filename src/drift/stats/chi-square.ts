/**
 * Pearson's chi-square tests, with the p-value from the chi-square survival function (Cephes
 * chdtrc, as scipy's _SimpleChi2.sf):
 *   - goodness of fit, scipy.stats.chisquare(f_obs, f_exp): Evidently's `chisquare` stattest, with
 *     f_obs the current counts and f_exp the reference counts scaled by n_current / n_reference
 *     (chisquare_stattest.py); a category absent from the reference has f_exp = 0, an infinite
 *     statistic and p = 0, exactly as in scipy;
 *   - homogeneity of the 2 x k table (reference counts, current counts),
 *     scipy.stats.chi2_contingency(table) with its default correction=True: Yates' continuity
 *     correction, bounded by the difference (scipy gh-13875), applies only when dof = 1; dof = 0
 *     gives statistic 0, p = 1. Categories seen in neither sample are dropped first (scipy raises
 *     on a zero expected frequency).
 */
import { chdtrc } from './special/cephes.js';
import type { StatTestMetadata } from './stattest.js';

export const CHI_SQUARE: StatTestMetadata = {
  name: 'chisquare',
  displayName: 'chi-square p_value',
  yieldsPValue: true,
  direction: 'p_below',
  inclusive: false,
  defaultThreshold: 0.05,
  sources: [
    'goodness of fit: scipy.stats.chisquare(current_counts, reference_counts * n_current / n_reference), Evidently chisquare_stattest.py',
    'homogeneity: scipy.stats.chi2_contingency([reference_counts, current_counts]) with correction=True (Yates, dof 1 only)',
    'drift when p_value < 0.05: Evidently chisquare_stattest.py (`p_value < threshold`, StatTest default 0.05)',
  ],
};

export interface ChiSquareResult {
  readonly statistic: number;
  readonly pValue: number;
  readonly dof: number;
}

/** scipy.stats.chisquare(observed, expected): sum (o - e)^2 / e on k - 1 degrees of freedom. */
export function chiSquareGoodnessOfFit(observed: ArrayLike<number>, expected: ArrayLike<number>): ChiSquareResult {
  let statistic = 0;
  for (let k = 0; k < observed.length; k++) {
    const d = observed[k]! - expected[k]!;
    statistic += (d * d) / expected[k]!;
  }
  const dof = observed.length - 1;
  return { statistic, pValue: chdtrc(dof, statistic), dof };
}

/** scipy.stats.chi2_contingency([a, b]) for two rows of counts (correction=True by default). */
export function chiSquareContingency(a: ArrayLike<number>, b: ArrayLike<number>, correction = true): ChiSquareResult {
  const ka: number[] = [];
  const kb: number[] = [];
  for (let k = 0; k < a.length; k++) {
    if (a[k]! > 0 || b[k]! > 0) {
      ka.push(a[k]!);
      kb.push(b[k]!);
    }
  }
  const columns = ka.length;
  let rowA = 0;
  let rowB = 0;
  for (let k = 0; k < columns; k++) {
    rowA += ka[k]!;
    rowB += kb[k]!;
  }
  const total = rowA + rowB;
  const dof = columns - 1;
  if (dof <= 0 || rowA === 0 || rowB === 0) return { statistic: 0, pValue: 1, dof: Math.max(dof, 0) };
  // Row by row, as numpy sums the flattened table.
  let statistic = 0;
  for (const [counts, row] of [
    [ka, rowA],
    [kb, rowB],
  ] as const) {
    for (let k = 0; k < columns; k++) {
      // scipy expected_freq: the product of the margins over the total
      const expected = (row * (ka[k]! + kb[k]!)) / total;
      let observed = counts[k]!;
      if (dof === 1 && correction) {
        const diff = expected - observed;
        observed = observed + Math.min(0.5, Math.abs(diff)) * Math.sign(diff);
      }
      const d = observed - expected;
      statistic += (d * d) / expected;
    }
  }
  return { statistic, pValue: chdtrc(dof, statistic), dof };
}
