/**
 * The tolerance method: the live service's default. Each feature is asked "has it moved by more
 * than we said we tolerate?", not "has it moved at all?", so the answer does not depend on the
 * window size the way significance does, and power only grows with the window.
 *
 * 1. The effect, in probability units for every feature, distribution-free and comparable across
 *    features: the Kolmogorov-Smirnov distance D = sup |F_ref - F_cur| for numerical features, the
 *    total-variation distance TV = 1/2 sum |p_ref - p_cur| for categorical ones (the largest
 *    change in the probability of any range of values, of any set of categories).
 * 2. A minimum-effect test per feature, H0: effect <= tolerance against H1: effect > tolerance
 *    (stats/ks-excess.ts, stats/tv-excess.ts: asymptotic, two-sample, no bootstrap). The
 *    tolerance is per feature (schema.json `drift.tolerance`), default `tolerance` (0.03: see
 *    scripts/drift-power.ts and the README's study for why).
 * 3. Two more signals, each its own one-sided test of a share against the reference's with its
 *    own tolerance (stats/share-excess.ts):
 *    - outliers (numerical): the share of values outside the reference's central 98 %
 *      [q0.01, q0.99]. A unit error on 2 % of the rows moves D by at most 0.02, under any useful
 *      tolerance, but doubles-to-triples the share beyond the reference's tails, whose variance is
 *      small. Part of the feature's `drifted`: the values changed.
 *    - missingness: the share of rows without the feature. Not part of `drifted` (a broken client
 *      is not a shifted population: a different alert, a different runbook), reported as
 *      `missing_test`.
 * 4. Multiple testing: Holm's step-down over every signal of every feature evaluated together,
 *    which controls the family-wise error rate (the chance of any false flag, missingness
 *    included) at `alpha` under any dependence. With the dataset rule "any drifted feature" the
 *    dataset alarm inherits that bound.
 * 5. A minimum window (`minRows`, 100 non-missing values) for the value signals; the missing-share
 *    test needs `minRows` rows, so a feature clients stopped sending is still caught.
 *
 * PSI on the reference deciles is reported beside the decision (the `psi` field and gauge), as in
 * robust mode, and is not part of it.
 */
import { rightClosedCounts, upperBound, lowerBound } from '../stats/binning.js';
import { holm } from '../stats/holm.js';
import { KS_EXCESS, effectiveSize, ksExcessTest, ksLowerBound, type ExcessTestResult } from '../stats/ks-excess.js';
import { PSI_ZERO_FILL, fillZeroShares, psi, shares } from '../stats/psi.js';
import { MISSING_SHARE, OUTLIER_SHARE, shareExcessTest } from '../stats/share-excess.js';
import type { StatTestMetadata } from '../stats/stattest.js';
import { TV_EXCESS, tvExcessTest, tvLowerBound } from '../stats/tv-excess.js';
import { baseStatus, buildColumnReport, nonMissing, type CurrentColumn, type TestOutcome } from './column-report.js';
import type { PreparedColumn } from './prepared-reference.js';
import type { ColumnReport, ColumnStatus, DriftTestReport } from './report.js';

export const TOLERANCE_DEFAULTS = {
  /** Family-wise error rate of one evaluation (Holm). */
  alpha: 0.05,
  /** Largest KS or total-variation distance that is not drift. */
  tolerance: 0.03,
  /** Largest rise of the missing share over the reference's that is not drift (2 points). */
  missingTolerance: 0.02,
  /** Largest rise of the share outside [q0.01, q0.99] over the reference's that is not drift (0.25 points). */
  outlierTolerance: 0.0025,
  /** Fewer non-missing current values than this: no decision on the values. */
  minRows: 100,
} as const;

/** A feature's own tolerances (schema.json `drift`); unset ones take the defaults. */
export interface ColumnTolerances {
  readonly tolerance?: number;
  readonly missingTolerance?: number;
  readonly outlierTolerance?: number;
}

export interface ToleranceSettings {
  readonly alpha: number;
  readonly tolerance: number;
  readonly missingTolerance: number;
  readonly outlierTolerance: number;
  readonly minRows: number;
  readonly columns: Readonly<Record<string, ColumnTolerances>>;
}

type Signal = 'distribution' | 'outlier' | 'missing';

interface SignalResult {
  readonly signal: Signal;
  readonly test: StatTestMetadata;
  readonly result: ExcessTestResult;
  /** Whether it takes part in the decision (and in the Holm family). */
  readonly tested: boolean;
}

/** A column's signals before Holm, which needs every signal's p-value. */
export interface TolerancePartial {
  readonly ref: PreparedColumn;
  readonly cur: CurrentColumn;
  readonly status: ColumnStatus;
  readonly reasons: readonly string[];
  readonly signals: readonly SignalResult[];
  readonly psi: number;
  readonly outlierRatio: number | null;
}

/** A signal that could not be computed: effect 0, p-value 1, never in the family. */
const notTested = (tolerance: number): ExcessTestResult => ({ statistic: 0, tolerance, pValue: 1 });

export function tolerancePartial(ref: PreparedColumn, cur: CurrentColumn, settings: ToleranceSettings): TolerancePartial {
  const own = settings.columns[ref.name] ?? {};
  const tolerance = own.tolerance ?? settings.tolerance;
  const missingTolerance = own.missingTolerance ?? settings.missingTolerance;
  const outlierTolerance = own.outlierTolerance ?? settings.outlierTolerance;
  const { status, reason } = baseStatus(ref, cur, settings.minRows);
  const reasons = reason === undefined ? [] : [reason];
  const valuesOk = status === 'ok';
  const signals: SignalResult[] = [];
  let psiValue = 0;
  let outlierRatio: number | null = null;

  if (ref.kind === 'numerical' && cur.kind === 'numerical') {
    const canCompute = nonMissing(ref) > 0 && cur.sorted.length > 0;
    signals.push({
      signal: 'distribution',
      test: KS_EXCESS,
      result: canCompute ? ksExcessTest(ref.sorted, cur.sorted, tolerance) : notTested(tolerance),
      tested: valuesOk,
    });
    if (canCompute) {
      const outside = lowerBound(cur.sorted, ref.outlierRange[0]) + (cur.sorted.length - upperBound(cur.sorted, ref.outlierRange[1]));
      outlierRatio = outside / cur.sorted.length;
      signals.push({
        signal: 'outlier',
        test: OUTLIER_SHARE,
        result: shareExcessTest(ref.outliers, ref.sorted.length, outside, cur.sorted.length, outlierTolerance),
        tested: valuesOk,
      });
      const refShares = fillZeroShares(shares(ref.quantileCounts, ref.sorted.length), PSI_ZERO_FILL);
      const curShares = fillZeroShares(shares(rightClosedCounts(cur.sorted, ref.quantileEdges), cur.sorted.length), PSI_ZERO_FILL);
      psiValue = psi(refShares, curShares);
    } else {
      signals.push({ signal: 'outlier', test: OUTLIER_SHARE, result: notTested(outlierTolerance), tested: false });
    }
  } else if (ref.kind === 'categorical' && cur.kind === 'categorical') {
    const refCounts = Float64Array.from(cur.counts, (_, code) => ref.counts[code] ?? 0);
    const canCompute = nonMissing(ref) > 0 && nonMissing(cur) > 0;
    signals.push({
      signal: 'distribution',
      test: TV_EXCESS,
      result: canCompute ? tvExcessTest(refCounts, cur.counts, tolerance) : notTested(tolerance),
      tested: valuesOk,
    });
    if (canCompute) {
      const keep: number[] = [];
      for (let code = 0; code < cur.counts.length; code++) if (refCounts[code]! > 0 || cur.counts[code]! > 0) keep.push(code);
      const refShares = fillZeroShares(
        Float64Array.from(keep, (code) => refCounts[code]! / nonMissing(ref)),
        PSI_ZERO_FILL,
      );
      const curShares = fillZeroShares(
        Float64Array.from(keep, (code) => cur.counts[code]! / nonMissing(cur)),
        PSI_ZERO_FILL,
      );
      psiValue = psi(refShares, curShares);
    }
  }
  // Missingness is tested on rows, so a feature every client stopped sending is caught too.
  const missingTestable = ref.rows > 0 && cur.rows >= settings.minRows;
  signals.push({
    signal: 'missing',
    test: MISSING_SHARE,
    result: missingTestable ? shareExcessTest(ref.missing, ref.rows, cur.missing, cur.rows, missingTolerance) : notTested(missingTolerance),
    tested: missingTestable,
  });
  return { ref, cur, status, reasons, signals, psi: psiValue, outlierRatio };
}

function testReport(test: StatTestMetadata, result: ExcessTestResult, pValue: number, alpha: number, drifted: boolean): DriftTestReport {
  return {
    stattest: test.name,
    statistic: result.statistic,
    p_value: pValue,
    threshold: alpha,
    direction: test.direction,
    drifted,
    tolerance: result.tolerance,
  };
}

/** Holm across every tested signal of every column, then each column's decisions. */
export function toleranceReports(partials: readonly TolerancePartial[], alpha: number): ColumnReport[] {
  const family: { column: number; signal: number }[] = [];
  partials.forEach((p, column) =>
    p.signals.forEach((s, signal) => {
      if (s.tested && Number.isFinite(s.result.pValue)) family.push({ column, signal });
    }),
  );
  const adjusted = holm(family.map(({ column, signal }) => partials[column]!.signals[signal]!.result.pValue));
  const adjustedOf = new Map(family.map(({ column, signal }, k) => [`${column}/${signal}`, adjusted[k]!]));
  // Simultaneous (Bonferroni) level of the reported lower confidence bounds.
  const simultaneous = alpha / Math.max(1, family.length);

  return partials.map((p, column) => {
    const outcome = (signal: number) => {
      const s = p.signals[signal]!;
      const q = adjustedOf.get(`${column}/${signal}`);
      return { s, q: q ?? 1, drifted: q !== undefined && q < alpha };
    };
    const indexOf = (signal: Signal) => p.signals.findIndex((s) => s.signal === signal);
    const distribution = outcome(indexOf('distribution'));
    const outlierIndex = indexOf('outlier');
    const outlier = outlierIndex >= 0 ? outcome(outlierIndex) : undefined;
    const missing = outcome(indexOf('missing'));
    const valueTests: TestOutcome[] = [distribution, ...(outlier ? [outlier] : [])].map((o) => ({
      test: o.s.test,
      statistic: o.s.result.statistic,
      pValue: o.q,
      threshold: alpha,
      drifted: o.drifted,
    }));
    const drifted = distribution.drifted || (outlier?.drifted ?? false);
    const report = buildColumnReport({
      ref: p.ref,
      cur: p.cur,
      status: p.status,
      reasons: p.reasons,
      // PSI is in the report (`psi`) but not in `tests`: those are the tests `drifted` is made of.
      tests: valueTests,
      pValueRaw: distribution.s.result.pValue,
      drifted,
      psi: p.psi,
    });
    const nEff = effectiveSize(nonMissing(p.ref), Math.max(1, nonMissing(p.cur)));
    const effect = distribution.s.result.statistic;
    return {
      ...report,
      // The tolerance of each test beside its decision (buildColumnReport knows no tolerances).
      tests: report.tests.map((t, k) => (k < valueTests.length ? { ...t, tolerance: [distribution, outlier][k]!.s.result.tolerance } : t)),
      effect,
      tolerance: distribution.s.result.tolerance,
      effect_lower_bound:
        p.ref.kind === 'numerical'
          ? ksLowerBound(effect, nEff, simultaneous)
          : tvLowerBound(effect, nEff, presentCategories(p), simultaneous),
      ...(p.outlierRatio !== null && p.ref.kind === 'numerical'
        ? { outlier_ratio: p.outlierRatio, reference_outlier_ratio: p.ref.sorted.length > 0 ? p.ref.outliers / p.ref.sorted.length : 0 }
        : {}),
      missing_test: testReport(MISSING_SHARE, missing.s.result, missing.q, alpha, missing.drifted),
    };
  });
}

function presentCategories(p: TolerancePartial): number {
  if (p.cur.kind !== 'categorical' || p.ref.kind !== 'categorical') return 0;
  let k = 0;
  for (let code = 0; code < p.cur.counts.length; code++) if ((p.ref.counts[code] ?? 0) > 0 || p.cur.counts[code]! > 0) k++;
  return k;
}
