/**
 * What both methods share: the cleaned current window of a column, the column's status, and the
 * assembly of a ColumnReport whose every number is finite.
 */
import type { Column } from '../dataset.js';
import type { StatTestMetadata } from '../stats/stattest.js';
import { countCodes, finiteSorted, type PreparedCategorical, type PreparedColumn, type PreparedNumerical } from './prepared-reference.js';
import type { ColumnReport, ColumnStatus, DriftTestReport } from './report.js';

export interface CurrentNumerical {
  readonly kind: 'numerical';
  readonly rows: number;
  readonly missing: number;
  /** Finite current values, ascending. */
  readonly sorted: Float64Array;
}

export interface CurrentCategorical {
  readonly kind: 'categorical';
  readonly rows: number;
  readonly missing: number;
  /** The current column's categories: the reference's, possibly extended. */
  readonly categories: readonly string[];
  /** Count per code (length = categories.length). */
  readonly counts: Float64Array;
}

export type CurrentColumn = CurrentNumerical | CurrentCategorical;

/** A prepared reference column with its cleaned current window, of the same kind. */
export type ColumnPair =
  | { readonly kind: 'numerical'; readonly ref: PreparedNumerical; readonly cur: CurrentNumerical }
  | { readonly kind: 'categorical'; readonly ref: PreparedCategorical; readonly cur: CurrentCategorical };

/**
 * Check a current column against its prepared reference and clean it. Mismatched names, kinds or
 * categories are programming errors, not data: they throw.
 */
export function pairColumn(ref: PreparedColumn, column: Column): ColumnPair {
  if (column.name !== ref.name || column.kind !== ref.kind) {
    throw new TypeError(
      `current column ${JSON.stringify(column.name)} (${column.kind}) does not match reference column ${JSON.stringify(ref.name)} (${ref.kind})`,
    );
  }
  if (ref.kind === 'numerical') {
    const sorted = finiteSorted(column.values);
    return {
      kind: 'numerical',
      ref,
      cur: { kind: 'numerical', rows: column.values.length, missing: column.values.length - sorted.length, sorted },
    };
  }
  const categories = column.categories ?? [];
  if (categories.length < ref.categories.length || ref.categories.some((c, k) => categories[k] !== c)) {
    throw new TypeError(`current column ${JSON.stringify(column.name)}: categories must be the reference's, possibly extended at the end`);
  }
  const { counts, present } = countCodes(column, categories.length);
  return {
    kind: 'categorical',
    ref,
    cur: { kind: 'categorical', rows: column.values.length, missing: column.values.length - present, categories, counts },
  };
}

export const nonMissing = (c: PreparedColumn | CurrentColumn) => c.rows - c.missing;
const ratio = (part: number, whole: number) => (whole > 0 ? part / whole : 0);

/** Share of current values whose category has no reference occurrence. */
export function unseenRatio(ref: PreparedCategorical, cur: CurrentCategorical): number {
  let unseen = 0;
  for (let code = 0; code < cur.counts.length; code++) if (!((ref.counts[code] ?? 0) > 0)) unseen += cur.counts[code]!;
  return ratio(unseen, nonMissing(cur));
}

/**
 * The status every method starts from: degenerate without reference values, insufficient data
 * with fewer current values than minRows (none at all included).
 */
export function baseStatus(ref: PreparedColumn, cur: CurrentColumn, minRows: number): { status: ColumnStatus; reason?: string } {
  const nRef = nonMissing(ref);
  const nCur = nonMissing(cur);
  if (nRef === 0) return { status: 'degenerate', reason: 'empty reference column (every reference value is missing)' };
  if (nCur === 0) return { status: 'insufficient_data', reason: 'empty current window (every current value is missing)' };
  if (nCur < minRows)
    return { status: 'insufficient_data', reason: `${nCur} current values, fewer than minRows = ${minRows}: no decision` };
  return { status: 'ok' };
}

export interface TestOutcome {
  readonly test: StatTestMetadata;
  readonly statistic: number;
  /** The p-value the decision compares (adjusted where the method adjusts); null for distances. */
  readonly pValue: number | null;
  readonly threshold: number;
  readonly drifted: boolean;
}

/** A test that was not run: statistic 0, p-value 1, no drift. */
export function notRun(test: StatTestMetadata, threshold: number = test.defaultThreshold): TestOutcome {
  return { test, statistic: 0, pValue: test.yieldsPValue ? 1 : null, threshold, drifted: false };
}

/** Replace a non-finite number by a finite stand-in, saying so in `reasons`. */
function finite(x: number, what: string, reasons: string[], nanValue: number): number {
  if (Number.isFinite(x)) return x;
  if (x === Infinity) {
    reasons.push(`${what} is +Infinity, reported as Number.MAX_VALUE`);
    return Number.MAX_VALUE;
  }
  if (x === -Infinity) {
    reasons.push(`${what} is -Infinity, reported as -Number.MAX_VALUE`);
    return -Number.MAX_VALUE;
  }
  reasons.push(`${what} is undefined (NaN), reported as ${nanValue}`);
  return nanValue;
}

export interface ColumnReportInput {
  readonly ref: PreparedColumn;
  readonly cur: CurrentColumn;
  readonly status: ColumnStatus;
  readonly reasons: readonly string[];
  /** The main test first; every test listed makes up the decision. */
  readonly tests: readonly TestOutcome[];
  readonly pValueRaw: number | null;
  readonly drifted: boolean;
  readonly psi: number;
}

export function buildColumnReport(input: ColumnReportInput): ColumnReport {
  const { ref, cur } = input;
  const reasons = [...input.reasons];
  const tests: DriftTestReport[] = input.tests.map((t) => ({
    stattest: t.test.name,
    statistic: finite(t.statistic, `${t.test.name} statistic`, reasons, 0),
    p_value: t.pValue === null ? null : finite(t.pValue, `${t.test.name} p-value`, reasons, 1),
    threshold: t.threshold,
    direction: t.test.direction,
    drifted: t.drifted,
  }));
  const main = tests[0]!;
  const pValueRaw = input.pValueRaw === null ? null : finite(input.pValueRaw, 'raw p-value', [], 1);
  const psi = finite(input.psi, 'psi', reasons, 0);
  const report: ColumnReport = {
    column_type: ref.kind === 'numerical' ? 'num' : 'cat',
    stattest: main.stattest,
    score: main.p_value ?? main.statistic,
    threshold: main.threshold,
    drifted: input.drifted,
    statistic: main.statistic,
    p_value: main.p_value,
    p_value_raw: pValueRaw,
    psi,
    status: input.status,
    ...(reasons.length > 0 ? { reason: [...new Set(reasons)].join('; ') } : {}),
    n_reference: nonMissing(ref),
    n_current: nonMissing(cur),
    missing_ratio: ratio(cur.missing, cur.rows),
    reference_missing_ratio: ratio(ref.missing, ref.rows),
    unseen_ratio: ref.kind === 'categorical' && cur.kind === 'categorical' ? unseenRatio(ref, cur) : null,
    tests,
  };
  return report;
}
