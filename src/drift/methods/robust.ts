/**
 * The robust method: the live service's default until the tolerance method (methods/tolerance.ts),
 * kept selectable. The power study (scripts/drift-power.ts) measured why it was replaced: the PSI
 * gate of point 2 vetoes shifts that matter at large windows (amount x1.25, age +3 years: 0 % at
 * 10,000 rows), because small-sample PSI is biased upward and large-sample PSI is not. Each choice,
 * and how it departs from Evidently's:
 *
 * 1. One pair of tests for every column, whatever the sample sizes. Evidently switches from
 *    p-values to distances at 1000 reference rows and picks the test from the number of distinct
 *    values, so a column's gauge changes meaning with the data. Here: numerical columns always get
 *    the two-sample Kolmogorov-Smirnov test (scipy.stats.ks_2samp, exact up to 10,000 values per
 *    sample, asymptotic beyond), categorical columns the chi-square test of homogeneity of the
 *    2 x k table of reference and current counts (scipy.stats.chi2_contingency, default
 *    correction=True: Yates only at dof 1). Homogeneity rather than Evidently's goodness of fit
 *    because the reference is a sample too: goodness of fit treats reference shares as exact and
 *    over-rejects when the reference is small.
 *
 * 2. Significance and size must both be present (statistical vs practical significance: Lin,
 *    Lucas & Shmueli 2013, "Too Big to Fail: Large Samples and the p-Value Problem", Information
 *    Systems Research 24(4)): a column drifts when its adjusted p-value is below
 *    `fdr` (0.05) AND its PSI is at least `psiThreshold` (0.1, Siddiqi 2006's "moderate shift").
 *    With 10^5 reference rows and 10^4 current rows, KS rejects shifts of 0.05 sd that nobody
 *    would act on; with 100 current rows, PSI of a few bins is mostly noise. Either alone is
 *    wrong at one end of the size range; together they are right at both.
 *
 * 3. Multiple testing: the p-values of all columns tested in one evaluation are adjusted with
 *    Benjamini-Hochberg (1995), as scipy.stats.false_discovery_control(method="bh"). Twenty
 *    features at p < 0.05 give a 64% chance of at least one false alarm per evaluation; BH keeps
 *    the expected share of false alarms among flagged columns at 5%. Columns with insufficient or
 *    degenerate data are not tested and not in the family.
 *
 * 4. PSI on bins fixed once from the reference: its deciles (numpy.quantile, "linear"),
 *    deduplicated, with open outer bins (-inf, q1] and (q9, +inf) (a value's bin is the number of
 *    edges below it). Evidently bins the pooled sample with Sturges' rule, so its bins move with
 *    every window and one extreme value in the current window stretches them over everything
 *    (all other values then share a bin or two); here an outlier only adds 1/n to the top bin.
 *    Equal-mass reference bins also give every bin a reference share of about 10%, so the fill
 *    for empty bins (a fixed 1e-4 on both sides, as Evidently's first choice) rarely matters.
 *    Categorical PSI is over the categories present in either sample, with the same fill: a
 *    category never seen in the reference weighs in with its current share.
 *
 * 5. A minimum window: fewer than `minRows` (100) non-missing current values in a column gives
 *    status 'insufficient_data' and no decision, for that column; the statistics are still shown.
 *
 * 6. Dataset drift: at least one drifted column. After BH this is Simes' (1986) global test of
 *    "no column drifted" at level `fdr` (gated by PSI), so the dataset alarm has a known false
 *    alarm rate, where Evidently's "half of the columns" rule can miss a single feature that
 *    moved completely. `driftShare` restores a share rule when given.
 *
 * 7. Missing values and unseen categories are their own signals, not drift: `missing_ratio`
 *    (beside `reference_missing_ratio`) and `unseen_ratio` are reported for every column and left
 *    to alerting, since a broken client and a shifted population call for different responses.
 */
import { rightClosedCounts } from '../stats/binning.js';
import { benjaminiHochberg } from '../stats/benjamini-hochberg.js';
import { CHI_SQUARE, chiSquareContingency } from '../stats/chi-square.js';
import { KS, ks2Samp } from '../stats/ks.js';
import { PSI, PSI_ZERO_FILL, fillZeroShares, psi, shares } from '../stats/psi.js';
import type { StatTestMetadata } from '../stats/stattest.js';
import {
  baseStatus,
  buildColumnReport,
  notRun,
  type CurrentCategorical,
  type CurrentColumn,
  type CurrentNumerical,
} from './column-report.js';
import type { PreparedCategorical, PreparedColumn, PreparedNumerical } from './prepared-reference.js';
import type { ColumnReport, ColumnStatus } from './report.js';

/**
 * Largest n1·n2 for which robust mode computes the exact KS p-value (unequal sizes): 10^7 keeps
 * the default 1,000-row window against a 10,000-row reference exact (~20 ms per feature), and
 * sends 5,000 x 10,000 (~200 ms per feature exact) to the asymptotic distribution.
 */
export const ROBUST_KS_MAX_EXACT_CELLS = 10_000_000;

export const ROBUST_DEFAULTS = {
  /** Benjamini-Hochberg false discovery rate, and the level adjusted p-values are compared with. */
  fdr: 0.05,
  /** PSI at or above which a significant shift is large enough to report (Siddiqi 2006). */
  psiThreshold: 0.1,
  /** Fewer non-missing current values than this: insufficient data. */
  minRows: 100,
} as const;

export interface RobustSettings {
  readonly fdr: number;
  readonly psiThreshold: number;
}

/** A column's tests before the BH adjustment, which needs every column's p-value. */
export interface RobustPartial {
  readonly ref: PreparedColumn;
  readonly cur: CurrentColumn;
  readonly status: ColumnStatus;
  readonly reasons: readonly string[];
  readonly test: StatTestMetadata;
  readonly statistic: number;
  readonly pValue: number;
  readonly psi: number;
}

export function robustNumerical(ref: PreparedNumerical, cur: CurrentNumerical, minRows: number): RobustPartial {
  const { status, reason } = baseStatus(ref, cur, minRows);
  const reasons = reason === undefined ? [] : [reason];
  if (status === 'degenerate' || cur.sorted.length === 0) return { ref, cur, status, reasons, test: KS, statistic: 0, pValue: 1, psi: 0 };
  const ks = ks2Samp(ref.sorted, cur.sorted, ROBUST_KS_MAX_EXACT_CELLS);
  const refShares = fillZeroShares(shares(ref.quantileCounts, ref.sorted.length), PSI_ZERO_FILL);
  const curShares = fillZeroShares(shares(rightClosedCounts(cur.sorted, ref.quantileEdges), cur.sorted.length), PSI_ZERO_FILL);
  return { ref, cur, status, reasons, test: KS, statistic: ks.statistic, pValue: ks.pValue, psi: psi(refShares, curShares) };
}

export function robustCategorical(ref: PreparedCategorical, cur: CurrentCategorical, minRows: number): RobustPartial {
  const { status, reason } = baseStatus(ref, cur, minRows);
  const reasons = reason === undefined ? [] : [reason];
  const refCounts = Float64Array.from(cur.counts, (_, code) => ref.counts[code] ?? 0);
  let categories = 0;
  for (let code = 0; code < cur.counts.length; code++) if (refCounts[code]! > 0 || cur.counts[code]! > 0) categories++;
  if (status === 'degenerate' || cur.rows - cur.missing === 0)
    return { ref, cur, status, reasons, test: CHI_SQUARE, statistic: 0, pValue: 1, psi: 0 };
  if (categories <= 1) {
    reasons.push('a single category in both samples: nothing to compare (chi-square has 0 degrees of freedom)');
    return { ref, cur, status: status === 'ok' ? 'degenerate' : status, reasons, test: CHI_SQUARE, statistic: 0, pValue: 1, psi: 0 };
  }
  const chi = chiSquareContingency(refCounts, cur.counts);
  // PSI over the categories present in either sample.
  const keep: number[] = [];
  for (let code = 0; code < cur.counts.length; code++) if (refCounts[code]! > 0 || cur.counts[code]! > 0) keep.push(code);
  const nRef = ref.rows - ref.missing;
  const nCur = cur.rows - cur.missing;
  const refShares = fillZeroShares(
    Float64Array.from(keep, (code) => refCounts[code]! / nRef),
    PSI_ZERO_FILL,
  );
  const curShares = fillZeroShares(
    Float64Array.from(keep, (code) => cur.counts[code]! / nCur),
    PSI_ZERO_FILL,
  );
  return { ref, cur, status, reasons, test: CHI_SQUARE, statistic: chi.statistic, pValue: chi.pValue, psi: psi(refShares, curShares) };
}

/** BH across the columns with status ok, then each column's two decisions and their conjunction. */
export function robustReports(partials: readonly RobustPartial[], settings: RobustSettings): ColumnReport[] {
  const tested = partials.flatMap((p, k) => (p.status === 'ok' && Number.isFinite(p.pValue) ? [k] : []));
  const adjusted = benjaminiHochberg(tested.map((k) => partials[k]!.pValue));
  const adjustedByColumn = new Map(tested.map((k, rank) => [k, adjusted[rank]!]));
  return partials.map((p, k) => {
    const q = adjustedByColumn.get(k);
    if (p.status !== 'ok' || q === undefined) {
      // No decision: the raw statistics are shown, nothing is drifted.
      const significance = { ...notRun(p.test, settings.fdr), statistic: p.statistic, pValue: p.pValue };
      return buildColumnReport({
        ref: p.ref,
        cur: p.cur,
        status: p.status,
        reasons: p.reasons,
        tests: [significance, { test: PSI, statistic: p.psi, pValue: null, threshold: settings.psiThreshold, drifted: false }],
        pValueRaw: p.pValue,
        drifted: false,
        psi: p.psi,
      });
    }
    const significant = q < settings.fdr;
    const large = p.psi >= settings.psiThreshold;
    return buildColumnReport({
      ref: p.ref,
      cur: p.cur,
      status: 'ok',
      reasons: p.reasons,
      tests: [
        { test: p.test, statistic: p.statistic, pValue: q, threshold: settings.fdr, drifted: significant },
        { test: PSI, statistic: p.psi, pValue: null, threshold: settings.psiThreshold, drifted: large },
      ],
      pValueRaw: p.pValue,
      drifted: significant && large,
      psi: p.psi,
    });
  });
}
