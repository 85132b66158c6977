/**
 * The entry points: prepare a reference once, evaluate current windows against it often.
 * Pure functions of their inputs: no I/O, no clock, no randomness.
 */
import type { Dataset } from '../dataset.js';
import { pairColumn } from './column-report.js';
import { EVIDENTLY_DRIFT_SHARE, evidentlyCategorical, evidentlyNumerical } from './evidently.js';
import { prepareColumn, type PreparedColumn } from './prepared-reference.js';
import type { DriftMethod, DriftReport } from './report.js';
import { ROBUST_DEFAULTS, robustCategorical, robustNumerical, robustReports } from './robust.js';
import { TOLERANCE_DEFAULTS, tolerancePartial, toleranceReports, type ColumnTolerances, type ToleranceSettings } from './tolerance.js';

export interface DriftOptions {
  /**
   * 'tolerance' (default: minimum-effect tests against per-feature tolerances, Holm across
   * features), 'robust' (significance gated by PSI) or 'evidently' (Evidently 0.7's
   * DataDriftPreset, reproduced).
   */
  readonly method?: DriftMethod;
  /**
   * A column whose current window has fewer non-missing values than this reports status
   * 'insufficient_data' and is not decided. Default 100 for tolerance and robust, 1 for evidently
   * (Evidently has no minimum).
   */
  readonly minRows?: number;
  /**
   * Dataset drift when share_of_drifted_columns >= driftShare. Default 0.5 for evidently
   * (Evidently's drift_share); for tolerance and robust, by default any drifted column (after
   * their multiple-testing control) is dataset drift.
   */
  readonly driftShare?: number;
  /** Robust: Benjamini-Hochberg false discovery rate, the level adjusted p-values are compared with. Default 0.05. */
  readonly fdr?: number;
  /** Robust: the PSI at or above which a significant shift counts. Default 0.1. */
  readonly psiThreshold?: number;
  /** Tolerance: family-wise error rate of one evaluation (Holm over every signal). Default 0.05. */
  readonly alpha?: number;
  /** Tolerance: largest KS / total-variation distance that is not drift. Default 0.03. */
  readonly tolerance?: number;
  /** Tolerance: largest rise of the missing share over the reference's that is not drift. Default 0.02. */
  readonly missingTolerance?: number;
  /** Tolerance: largest rise of the share outside the reference's [q0.01, q0.99] that is not drift. Default 0.0025. */
  readonly outlierTolerance?: number;
  /** Tolerance: per-column overrides of the three tolerances, by column name (schema.json `drift`). */
  readonly columnTolerances?: Readonly<Record<string, ColumnTolerances>>;
}

interface ResolvedOptions {
  readonly method: DriftMethod;
  readonly minRows: number;
  readonly driftShare: number | undefined;
  readonly fdr: number;
  readonly psiThreshold: number;
  readonly tolerance: ToleranceSettings;
}

export interface PreparedReference {
  readonly columns: readonly PreparedColumn[];
  /** The options given to prepareReference: evaluateDrift's defaults. */
  readonly options: DriftOptions;
}

function resolve(options: DriftOptions): ResolvedOptions {
  const method = options.method ?? 'tolerance';
  if (method !== 'tolerance' && method !== 'robust' && method !== 'evidently')
    throw new RangeError(`unknown drift method ${JSON.stringify(method)}`);
  const minRows =
    options.minRows ?? (method === 'evidently' ? 1 : method === 'robust' ? ROBUST_DEFAULTS.minRows : TOLERANCE_DEFAULTS.minRows);
  if (!Number.isInteger(minRows) || minRows < 1) throw new RangeError(`minRows must be a positive integer, got ${minRows}`);
  const driftShare = options.driftShare ?? (method === 'evidently' ? EVIDENTLY_DRIFT_SHARE : undefined);
  if (driftShare !== undefined && !(driftShare > 0 && driftShare <= 1))
    throw new RangeError(`driftShare must be in (0, 1], got ${driftShare}`);
  const fdr = options.fdr ?? ROBUST_DEFAULTS.fdr;
  if (!(fdr > 0 && fdr < 1)) throw new RangeError(`fdr must be in (0, 1), got ${fdr}`);
  const psiThreshold = options.psiThreshold ?? ROBUST_DEFAULTS.psiThreshold;
  if (!(psiThreshold >= 0 && Number.isFinite(psiThreshold)))
    throw new RangeError(`psiThreshold must be a finite number >= 0, got ${psiThreshold}`);
  const alpha = options.alpha ?? TOLERANCE_DEFAULTS.alpha;
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  const columns = options.columnTolerances ?? {};
  const tolerance: ToleranceSettings = {
    alpha,
    minRows,
    tolerance: checkTolerance('tolerance', options.tolerance ?? TOLERANCE_DEFAULTS.tolerance),
    missingTolerance: checkTolerance('missingTolerance', options.missingTolerance ?? TOLERANCE_DEFAULTS.missingTolerance),
    outlierTolerance: checkTolerance('outlierTolerance', options.outlierTolerance ?? TOLERANCE_DEFAULTS.outlierTolerance),
    columns,
  };
  for (const [name, own] of Object.entries(columns)) {
    for (const [key, value] of Object.entries(own)) if (value !== undefined) checkTolerance(`${name}.${key}`, value as number);
  }
  return { method, minRows, driftShare, fdr, psiThreshold, tolerance };
}

/** A tolerance is a probability distance or a share difference: in [0, 1). */
function checkTolerance(what: string, value: number): number {
  if (!(value >= 0 && value < 1)) throw new RangeError(`${what} must be in [0, 1), got ${value}`);
  return value;
}

/**
 * Everything that depends on the reference alone: finite values sorted once, distinct counts,
 * standard deviations, decile bins and their counts, category counts. Options are checked here
 * (RangeError on a bad one) and become evaluateDrift's defaults.
 */
export function prepareReference(reference: Dataset, options: DriftOptions = {}): PreparedReference {
  resolve(options);
  const names = new Set<string>();
  for (const column of reference) {
    if (names.has(column.name)) throw new TypeError(`duplicate column name ${JSON.stringify(column.name)}`);
    names.add(column.name);
  }
  return { columns: reference.map(prepareColumn), options };
}

/**
 * Compare a current window with a prepared reference: the same columns, in the same order, with
 * the same kinds (TypeError otherwise). Degenerate data never throw: each column reports a status
 * and a reason.
 */
export function evaluateDrift(prepared: PreparedReference, current: Dataset, options: DriftOptions = prepared.options): DriftReport {
  const o = resolve(options);
  if (current.length !== prepared.columns.length) {
    throw new TypeError(`current dataset has ${current.length} columns, the reference ${prepared.columns.length}`);
  }
  const pairs = prepared.columns.map((ref, k) => pairColumn(ref, current[k]!));
  const reports =
    o.method === 'tolerance'
      ? toleranceReports(
          pairs.map((p) => tolerancePartial(p.ref, p.cur, o.tolerance)),
          o.tolerance.alpha,
        )
      : o.method === 'evidently'
        ? pairs.map((p) =>
            p.kind === 'numerical' ? evidentlyNumerical(p.ref, p.cur, o.minRows) : evidentlyCategorical(p.ref, p.cur, o.minRows),
          )
        : robustReports(
            pairs.map((p) =>
              p.kind === 'numerical' ? robustNumerical(p.ref, p.cur, o.minRows) : robustCategorical(p.ref, p.cur, o.minRows),
            ),
            o,
          );

  const names = prepared.columns.map((c) => c.name);
  const drifted = names.filter((_, k) => reports[k]!.drifted);
  const share = names.length > 0 ? drifted.length / names.length : 0;
  const datasetDrift = o.driftShare === undefined ? drifted.length > 0 : names.length > 0 && share >= o.driftShare;
  return {
    method: o.method,
    dataset_drift: datasetDrift,
    share_of_drifted_columns: share,
    drifted_columns: drifted,
    number_of_columns: names.length,
    columns: Object.fromEntries(names.map((name, k) => [name, reports[k]!])),
  };
}
