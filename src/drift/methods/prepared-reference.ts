/**
 * Everything about a column that depends on the reference alone, computed once (one sort per
 * numerical column) and reused by every evaluation; and the per-window cleaning of the current
 * columns (drop missing values, sort, count).
 */
import { isPresent, type Column } from '../dataset.js';
import { countDistinct, lowerBound, quantileEdges, quantileSorted, rightClosedCounts, upperBound } from '../stats/binning.js';
import { populationStd } from '../stats/wasserstein.js';

interface PreparedBase {
  readonly name: string;
  /** Rows, missing included. */
  readonly rows: number;
  readonly missing: number;
}

export interface PreparedNumerical extends PreparedBase {
  readonly kind: 'numerical';
  /** Finite reference values, ascending. */
  readonly sorted: Float64Array;
  /** Distinct finite reference values (pandas nunique). */
  readonly distinct: number;
  /** Population standard deviation (numpy.std, ddof 0); 0 for an empty column. */
  readonly std: number;
  /** Robust bins: distinct reference deciles, the inner edges of (-inf, q1], ..., (qk, +inf). */
  readonly quantileEdges: Float64Array;
  /** Reference counts in those bins. */
  readonly quantileCounts: Float64Array;
  /** The tolerance method's outlier range: the reference's [q0.01, q0.99] (numpy.quantile, "linear"). */
  readonly outlierRange: readonly [number, number];
  /** Reference values strictly outside outlierRange. */
  readonly outliers: number;
}

export interface PreparedCategorical extends PreparedBase {
  readonly kind: 'categorical';
  readonly categories: readonly string[];
  /** Reference count per category code. */
  readonly counts: Float64Array;
}

export type PreparedColumn = PreparedNumerical | PreparedCategorical;

/**
 * Each tail's probability outside the outlier range: 1 %. The tails must be thin, so that values
 * pushed out by a unit error stand out against few genuine ones, and thick enough that the
 * reference's own share is known: with 5,000 rows, 0.5 % tails held 0.9 % of the reference's
 * distance_from_home_km against 0.6 % of the population (about 45 values: a noisy baseline), and
 * the study (scripts/drift-power.ts) measured 1 % as the best of 0.5, 1, 2.5 and 5 % for a 2 %
 * x100 contamination.
 */
export const OUTLIER_QUANTILE = 0.01;

export function prepareColumn(column: Column): PreparedColumn {
  const values = column.values;
  if (column.kind === 'numerical') {
    const sorted = finiteSorted(values);
    const edges = sorted.length > 0 ? quantileEdges(sorted) : new Float64Array(0);
    const outlierRange: readonly [number, number] =
      sorted.length > 0 ? [quantileSorted(sorted, OUTLIER_QUANTILE), quantileSorted(sorted, 1 - OUTLIER_QUANTILE)] : [-Infinity, Infinity];
    return {
      kind: 'numerical',
      name: column.name,
      rows: values.length,
      missing: values.length - sorted.length,
      sorted,
      distinct: countDistinct(sorted),
      std: sorted.length > 0 ? populationStd(sorted) : 0,
      quantileEdges: edges,
      quantileCounts: rightClosedCounts(sorted, edges),
      outlierRange,
      outliers: lowerBound(sorted, outlierRange[0]) + (sorted.length - upperBound(sorted, outlierRange[1])),
    };
  }
  const categories = column.categories ?? [];
  const { counts, present } = countCodes(column, categories.length);
  return {
    kind: 'categorical',
    name: column.name,
    rows: values.length,
    missing: values.length - present,
    categories: [...categories],
    counts,
  };
}

/** The finite values of a numerical column, ascending, in a fresh array. */
export function finiteSorted(values: Float64Array): Float64Array {
  const out = new Float64Array(values.length);
  let n = 0;
  for (let k = 0; k < values.length; k++) {
    const v = values[k]!;
    if (Number.isFinite(v)) out[n++] = v;
  }
  return out.subarray(0, n).sort();
}

/** Count per code of a categorical column (codes below `size`), and how many values were valid. */
export function countCodes(column: Column, size: number): { counts: Float64Array; present: number } {
  const counts = new Float64Array(size);
  let present = 0;
  const values = column.values;
  for (let k = 0; k < values.length; k++) {
    const v = values[k]!;
    if (isPresent(column, v)) {
      counts[v]!++;
      present++;
    }
  }
  return { counts, present };
}
