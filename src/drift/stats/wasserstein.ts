/**
 * Wasserstein-1 (earth mover's) distance between two empirical distributions, as
 * scipy.stats.wasserstein_distance(u, v) computes it: the integral of |F_u - F_v| over the pooled
 * values (scipy `_cdf_distance` with p = 1), here in one merge of two sorted arrays. Evidently's
 * `wasserstein` stattest divides it by the reference's population standard deviation, floored at
 * 0.001, and calls drift at >= 0.1.
 */
import type { StatTestMetadata } from './stattest.js';

export const WASSERSTEIN: StatTestMetadata = {
  name: 'wasserstein',
  displayName: 'Wasserstein distance (normed)',
  yieldsPValue: false,
  direction: 'distance_above',
  inclusive: true,
  defaultThreshold: 0.1,
  sources: [
    'distance: scipy.stats.wasserstein_distance(reference, current)',
    'norm max(np.std(reference), 0.001) (ddof 0) and drift when >= 0.1: Evidently wasserstein_distance_norm.py',
  ],
};

/** Evidently's floor on the reference standard deviation (wasserstein_distance_norm.py). */
export const WASSERSTEIN_MIN_NORM = 0.001;

/** W1 between two sorted, non-empty samples of finite values. */
export function wassersteinDistance(u: Float64Array, v: Float64Array): number {
  const nu = u.length;
  const nv = v.length;
  let i = 0;
  let j = 0;
  let sum = 0;
  let previous = Number.NaN;
  let cdfDiff = 0;
  while (i < nu || j < nv) {
    const x = j >= nv || (i < nu && u[i]! <= v[j]!) ? u[i]! : v[j]!;
    if (i > 0 || j > 0) sum += cdfDiff * (x - previous);
    while (i < nu && u[i]! <= x) i++;
    while (j < nv && v[j]! <= x) j++;
    cdfDiff = Math.abs(i / nu - j / nv);
    previous = x;
  }
  return sum;
}

/** Population standard deviation (numpy.std, ddof 0), two-pass. */
export function populationStd(values: Float64Array): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  let sum = 0;
  for (let k = 0; k < n; k++) sum += values[k]!;
  const mean = sum / n;
  let squares = 0;
  for (let k = 0; k < n; k++) {
    const d = values[k]! - mean;
    squares += d * d;
  }
  return Math.sqrt(squares / n);
}

/** Evidently's normed Wasserstein distance: W1 / max(std(reference), 0.001). */
export function wassersteinNormed(reference: Float64Array, current: Float64Array, referenceStd: number): number {
  return wassersteinDistance(reference, current) / Math.max(referenceStd, WASSERSTEIN_MIN_NORM);
}
