/**
 * Evidently 0.7's default DataDriftPreset, reproduced column by column
 * (evidently/legacy/calculations/data_drift.py `get_one_column_drift` and `get_dataset_drift`,
 * stattests/registry.py `_get_default_stattest`, and the stattest files):
 *
 * - missing values (NaN, ±Infinity) are dropped from both samples; n_ref is what is left of the
 *   reference; n_values the distinct values of reference and current together (pandas nunique);
 * - the test:
 *     n_ref <= 1000, numerical:   z (n_values <= 2), chisquare goodness of fit (3..5), ks (> 5)
 *     n_ref <= 1000, categorical: z (n_values <= 2), chisquare (> 2)
 *     n_ref > 1000,  numerical:   jensenshannon (n_values <= 5), wasserstein normed (> 5)
 *     n_ref > 1000,  categorical: jensenshannon
 * - thresholds, each test's default: ks p <= 0.05, chisquare and z p < 0.05, jensenshannon and
 *   wasserstein >= 0.1; the score is the p-value for ks, chisquare and z, the distance otherwise;
 * - bins for jensenshannon and psi (utils.py get_binned_data): numerical columns with more than 20
 *   distinct reference values get numpy "sturges" bins over the pooled sample, everything else one
 *   bin per distinct value of either sample; shares are counts / sample size; psi fills zero
 *   shares by Evidently's rule (stats/psi.ts), jensenshannon does not fill;
 * - dataset drift when the share of drifted columns >= drift_share (0.5).
 *
 * One addition: `minRows` (default 1 for this method, so nothing changes unless asked) marks
 * windows with fewer current values as 'insufficient_data' without a decision, as in robust mode.
 *
 * The report's `psi` is Evidently's psi stattest on the same column, shown beside the decision
 * and not part of it. Where Evidently raises (an empty column) this reports a status and a
 * reason instead; an infinite chisquare statistic (a category absent from the reference: scipy
 * divides by an expected count of 0) is reported as Number.MAX_VALUE with scipy's p = 0.
 */
import { compareCodePoints } from '../dataset.js';
import { countDistinctPooled, distinctValues, histogramCounts, sturgesEdges } from '../stats/binning.js';
import { CHI_SQUARE, chiSquareGoodnessOfFit } from '../stats/chi-square.js';
import { JENSEN_SHANNON, jensenShannonDistance } from '../stats/jensen-shannon.js';
import { KS, ks2Samp } from '../stats/ks.js';
import { fillZeroSharesEvidently, psi, shares } from '../stats/psi.js';
import { isDrift, type StatTestMetadata } from '../stats/stattest.js';
import { WASSERSTEIN, wassersteinNormed } from '../stats/wasserstein.js';
import { Z_TEST, proportionsZTest } from '../stats/z-test.js';
import {
  baseStatus,
  buildColumnReport,
  notRun,
  type CurrentCategorical,
  type CurrentNumerical,
  type TestOutcome,
} from './column-report.js';
import type { PreparedCategorical, PreparedNumerical } from './prepared-reference.js';
import type { ColumnReport } from './report.js';

/** Evidently's switch from small-sample tests to distances (registry.py: reference_data.shape[0] <= 1000). */
export const EVIDENTLY_LARGE_REFERENCE = 1000;
/** More distinct reference values than this: Sturges bins instead of one bin per value (utils.py). */
export const EVIDENTLY_MAX_DISCRETE_VALUES = 20;
/** Evidently's default drift_share (DataDriftOptions.drift_share, get_dataset_drift). */
export const EVIDENTLY_DRIFT_SHARE = 0.5;

/** The test Evidently picks for a column (registry.py _get_default_stattest). */
export function evidentlyStattest(kind: 'numerical' | 'categorical', nReference: number, nValues: number): StatTestMetadata {
  if (nReference <= EVIDENTLY_LARGE_REFERENCE) {
    if (nValues <= 2) return Z_TEST;
    if (kind === 'categorical' || nValues <= 5) return CHI_SQUARE;
    return KS;
  }
  if (kind === 'categorical' || nValues <= 5) return JENSEN_SHANNON;
  return WASSERSTEIN;
}

/** Evidently's decision: the score (p-value or distance) against the test's default threshold. */
function decided(test: StatTestMetadata, statistic: number, pValue: number | null): TestOutcome {
  const score = test.yieldsPValue ? (pValue ?? 1) : statistic;
  return { test, statistic, pValue, threshold: test.defaultThreshold, drifted: isDrift(test, score) };
}

function report(
  ref: PreparedNumerical | PreparedCategorical,
  cur: CurrentNumerical | CurrentCategorical,
  minRows: number,
  test: StatTestMetadata,
  run: () => { main: TestOutcome; psi: number },
): ColumnReport {
  const { status, reason } = baseStatus(ref, cur, minRows);
  const reasons = reason === undefined ? [] : [reason];
  if (status === 'degenerate' || (status === 'insufficient_data' && cur.rows - cur.missing === 0)) {
    return buildColumnReport({
      ref,
      cur,
      status,
      reasons,
      tests: [notRun(test)],
      pValueRaw: test.yieldsPValue ? 1 : null,
      drifted: false,
      psi: 0,
    });
  }
  const { main, psi: psiValue } = run();
  const tests = [status === 'ok' ? main : { ...main, drifted: false }];
  return buildColumnReport({ ref, cur, status, reasons, tests, pValueRaw: main.pValue, drifted: tests[0]!.drifted, psi: psiValue });
}

export function evidentlyNumerical(ref: PreparedNumerical, cur: CurrentNumerical, minRows: number): ColumnReport {
  const a = ref.sorted;
  const b = cur.sorted;
  // Only "<= 2", "<= 5" and "> 5" matter: counting stops at 6.
  const test = evidentlyStattest('numerical', a.length, countDistinctPooled(a, b, 6));
  return report(ref, cur, minRows, test, () => {
    let main: TestOutcome;
    if (test === Z_TEST) {
      main = zTestOnValues(a, b);
    } else if (test === CHI_SQUARE) {
      const d = distinctValues(a, b);
      main = chiSquareOutcome(d.countsA, d.countsB, a.length, b.length);
    } else if (test === KS) {
      const r = ks2Samp(a, b);
      main = decided(KS, r.statistic, r.pValue);
    } else if (test === JENSEN_SHANNON) {
      const d = distinctValues(a, b);
      main = decided(JENSEN_SHANNON, jensenShannonDistance(shares(d.countsA, a.length), shares(d.countsB, b.length)), null);
    } else {
      main = decided(WASSERSTEIN, wassersteinNormed(a, b, ref.std), null);
    }
    return { main, psi: evidentlyNumericalPsi(ref, b) };
  });
}

/** z on numbers: the smallest pooled value is the "negative" one (Evidently's sorted(keys)[0]). */
function zTestOnValues(a: Float64Array, b: Float64Array): TestOutcome {
  // Both samples hold one and the same value: Evidently's p = 1 shortcut.
  if (a[0] === a[a.length - 1] && b[0] === b[b.length - 1] && a[0] === b[0]) return decided(Z_TEST, 0, 1);
  const first = Math.min(a[0]!, b[0]!);
  const r = proportionsZTest(a.length - countEqual(a, first), a.length, b.length - countEqual(b, first), b.length);
  return decided(Z_TEST, r.statistic, r.pValue);
}

function countEqual(sorted: Float64Array, x: number): number {
  let k = 0;
  while (k < sorted.length && sorted[k] === x) k++;
  return k;
}

/** Evidently's chisquare: current counts against reference counts scaled to the current size. */
function chiSquareOutcome(refCounts: ArrayLike<number>, curCounts: ArrayLike<number>, nRef: number, nCur: number): TestOutcome {
  const kNorm = nCur / nRef;
  const expected = Float64Array.from(refCounts, (c) => c * kNorm);
  const r = chiSquareGoodnessOfFit(curCounts, expected);
  return decided(CHI_SQUARE, r.statistic, r.pValue);
}

/** Evidently's psi stattest on a numerical column (get_binned_data with feel_zeroes=True). */
function evidentlyNumericalPsi(ref: PreparedNumerical, b: Float64Array): number {
  const a = ref.sorted;
  let refCounts: Float64Array;
  let curCounts: Float64Array;
  if (ref.distinct > EVIDENTLY_MAX_DISCRETE_VALUES) {
    const edges = sturgesEdges(Math.min(a[0]!, b[0]!), Math.max(a[a.length - 1]!, b[b.length - 1]!), a.length + b.length);
    // numpy raises "Too many bins for data range" (a range of a few ulps): nothing to measure.
    if (edges === undefined) return 0;
    refCounts = histogramCounts(a, edges);
    curCounts = histogramCounts(b, edges);
  } else {
    const d = distinctValues(a, b);
    refCounts = d.countsA;
    curCounts = d.countsB;
  }
  return psi(fillZeroSharesEvidently(shares(refCounts, a.length)), fillZeroSharesEvidently(shares(curCounts, b.length)));
}

export function evidentlyCategorical(ref: PreparedCategorical, cur: CurrentCategorical, minRows: number): ColumnReport {
  // Categories present in either sample, in Python's sorted() order (z takes the first as negative).
  const present: number[] = [];
  for (let code = 0; code < cur.counts.length; code++) if ((ref.counts[code] ?? 0) > 0 || cur.counts[code]! > 0) present.push(code);
  present.sort((x, y) => compareCodePoints(cur.categories[x]!, cur.categories[y]!));
  const refCounts = Float64Array.from(present, (code) => ref.counts[code] ?? 0);
  const curCounts = Float64Array.from(present, (code) => cur.counts[code]!);
  const nRef = ref.rows - ref.missing;
  const nCur = cur.rows - cur.missing;
  const test = evidentlyStattest('categorical', nRef, present.length);
  return report(ref, cur, minRows, test, () => {
    let main: TestOutcome;
    if (test === Z_TEST) {
      if (present.length === 1) {
        main = decided(Z_TEST, 0, 1);
      } else {
        const r = proportionsZTest(nRef - refCounts[0]!, nRef, nCur - curCounts[0]!, nCur);
        main = decided(Z_TEST, r.statistic, r.pValue);
      }
    } else if (test === CHI_SQUARE) {
      main = chiSquareOutcome(refCounts, curCounts, nRef, nCur);
    } else {
      main = decided(JENSEN_SHANNON, jensenShannonDistance(shares(refCounts, nRef), shares(curCounts, nCur)), null);
    }
    const psiValue = psi(fillZeroSharesEvidently(shares(refCounts, nRef)), fillZeroSharesEvidently(shares(curCounts, nCur)));
    return { main, psi: psiValue };
  });
}
