/**
 * The bins PSI and Jensen-Shannon are computed on, and the counting that goes with them. All
 * counting works on sorted arrays with binary searches: O(bins log n), no per-value work beyond
 * the one sort.
 *
 * - sturgesEdges: numpy.histogram_bin_edges(data, bins="sturges") over the pooled sample, as
 *   Evidently's get_binned_data does for numerical columns with more than 20 distinct reference
 *   values (numpy `_get_outer_edges`, `_hist_bin_sturges`, `_get_bin_edges`, `linspace`).
 * - histogramCounts: numpy.histogram(data, edges): bins [e_i, e_i+1), the last one closed [e_n-1, e_n];
 *   values outside [e_0, e_n] are not counted.
 * - quantileEdges / rightClosedCounts: bins fixed once from reference quantiles (numpy.quantile,
 *   method "linear"), deduplicated, with open outer bins (-inf, q_1], (q_1, q_2], ..., (q_k, +inf):
 *   a value's bin is the number of edges strictly below it (numpy.searchsorted(edges, x, "left")).
 * - distinctValues: one bin per distinct value of two samples (Evidently's discrete bins).
 */

/** Number of elements of sorted `a` strictly below x. */
export function lowerBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Number of elements of sorted `a` at or below x. */
export function upperBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * numpy.histogram_bin_edges(pooled, bins="sturges") from the pooled sample's minimum, maximum and
 * size (n >= 1): ptp / (log2(n) + 1) wide bins, their number ceil(range / width) computed in
 * floating point exactly as numpy does (so 1024 values can give 12 bins, not 11), edges from
 * numpy.linspace. Returns undefined where numpy raises ("Too many bins for data range").
 */
export function sturgesEdges(min: number, max: number, n: number): Float64Array | undefined {
  let first = min;
  let last = max;
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  const width = (max - min) / (Math.log2(n) + 1.0);
  const bins = width ? Math.ceil((last - first) / width) : 1;
  // A range that overflows (max - min = Infinity): numpy's int(ceil(inf / inf)) raises too.
  if (!Number.isFinite(bins) || !Number.isFinite(first) || !Number.isFinite(last)) return undefined;
  const edges = linspace(first, last, bins + 1);
  for (let k = 1; k < edges.length; k++) if (!(edges[k - 1]! < edges[k]!)) return undefined;
  return edges;
}

/** numpy.linspace(start, stop, num) with endpoint: i * step + start, the last one exactly stop. */
export function linspace(start: number, stop: number, num: number): Float64Array {
  const y = new Float64Array(num);
  const div = num - 1;
  const delta = stop - start;
  if (div > 0) {
    const step = delta / div;
    for (let i = 0; i < num; i++) y[i] = step === 0 ? (i / div) * delta + start : i * step + start;
  } else {
    for (let i = 0; i < num; i++) y[i] = i * delta + start;
  }
  if (num > 1) y[num - 1] = stop;
  return y;
}

/** numpy.histogram(sorted, edges)[0]. */
export function histogramCounts(sorted: Float64Array, edges: Float64Array): Float64Array {
  const bins = edges.length - 1;
  const counts = new Float64Array(bins);
  let below = lowerBound(sorted, edges[0]!);
  for (let k = 0; k < bins; k++) {
    const upTo = k === bins - 1 ? upperBound(sorted, edges[k + 1]!) : lowerBound(sorted, edges[k + 1]!);
    counts[k] = upTo - below;
    below = upTo;
  }
  return counts;
}

/** The probabilities k/10, k = 1..9: reference deciles. */
export const DECILES: readonly number[] = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((k) => k / 10);

/** numpy.quantile(sorted, q) with the default "linear" method (Hyndman & Fan type 7). */
export function quantileSorted(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  const virtualIndex = (n - 1) * q;
  if (virtualIndex >= n - 1) return sorted[n - 1]!;
  if (virtualIndex < 0) return sorted[0]!;
  const previous = Math.floor(virtualIndex);
  const gamma = virtualIndex - previous;
  const a = sorted[previous]!;
  const b = sorted[previous + 1]!;
  // numpy _lerp: a + (b - a) t, or b - (b - a)(1 - t) when t >= 0.5
  const diff = b - a;
  return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}

/** Distinct reference quantiles at `probabilities` (sorted, non-empty input): the inner bin edges. */
export function quantileEdges(sorted: Float64Array, probabilities: readonly number[] = DECILES): Float64Array {
  const edges: number[] = [];
  for (const q of probabilities) {
    const v = quantileSorted(sorted, q);
    // Non-finite only when b - a overflows between values near ±Number.MAX_VALUE: no edge there.
    if (Number.isFinite(v) && (edges.length === 0 || v > edges[edges.length - 1]!)) edges.push(v);
  }
  return Float64Array.from(edges);
}

/** Counts in the bins (-inf, e_0], (e_0, e_1], ..., (e_k-1, +inf) of a sorted sample. */
export function rightClosedCounts(sorted: Float64Array, edges: Float64Array): Float64Array {
  const counts = new Float64Array(edges.length + 1);
  let below = 0;
  for (let k = 0; k < edges.length; k++) {
    const upTo = upperBound(sorted, edges[k]!);
    counts[k] = upTo - below;
    below = upTo;
  }
  counts[edges.length] = sorted.length - below;
  return counts;
}

export interface DistinctCounts {
  /** The distinct values of both samples, ascending. */
  readonly values: Float64Array;
  readonly countsA: Float64Array;
  readonly countsB: Float64Array;
}

/** One bin per distinct value of two sorted samples, with each sample's count in it. */
export function distinctValues(a: Float64Array, b: Float64Array): DistinctCounts {
  const values: number[] = [];
  const countsA: number[] = [];
  const countsB: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i]! : b[j]!;
    const i0 = i;
    const j0 = j;
    while (i < a.length && a[i]! <= x) i++;
    while (j < b.length && b[j]! <= x) j++;
    values.push(x);
    countsA.push(i - i0);
    countsB.push(j - j0);
  }
  return { values: Float64Array.from(values), countsA: Float64Array.from(countsA), countsB: Float64Array.from(countsB) };
}

/** Number of distinct values of one sorted sample. */
export function countDistinct(sorted: Float64Array): number {
  let count = 0;
  for (let k = 0; k < sorted.length; k++) if (k === 0 || sorted[k]! !== sorted[k - 1]!) count++;
  return count;
}

/** Number of distinct values of two sorted samples together, up to `limit` (then stops counting). */
export function countDistinctPooled(a: Float64Array, b: Float64Array, limit = Infinity): number {
  let i = 0;
  let j = 0;
  let count = 0;
  while ((i < a.length || j < b.length) && count < limit) {
    const x = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i]! : b[j]!;
    while (i < a.length && a[i]! <= x) i++;
    while (j < b.length && b[j]! <= x) j++;
    count++;
  }
  return count;
}
