/**
 * Two-sample two-sided Kolmogorov-Smirnov test, as scipy.stats.ks_2samp(a, b, method='auto')
 * computes it (scipy 1.17 `stats/_stats_py.py`): the statistic D = sup |F_a - F_b| over the pooled
 * values (ties counted as searchsorted 'right' does), then
 *   - max(n1, n2) <= 10,000: the exact p-value, Hodges' (1958) lattice-path counts:
 *     `_compute_prob_outside_square` when n1 == n2, `_compute_outer_prob_inside_method`
 *     (Viehmann 2021, arXiv:2102.08037, the recursion for 1 - p) otherwise, on the integer
 *     h = round(D * lcm(n1, n2)) and reporting D = h / lcm as scipy does;
 *   - beyond, or when the exact computation leaves [0, 1]: kstwo.sf(D, round(n1 n2 / (n1 + n2))).
 * Inputs are sorted arrays of finite values, so one sort of the reference serves every window.
 */
import { kstwoSf } from './special/kstwo.js';
import type { StatTestMetadata } from './stattest.js';

export const KS: StatTestMetadata = {
  name: 'ks',
  displayName: 'K-S p_value',
  yieldsPValue: true,
  direction: 'p_below',
  inclusive: true,
  defaultThreshold: 0.05,
  sources: [
    'statistic and p-value: scipy.stats.ks_2samp(reference, current), method="auto", alternative="two-sided"',
    'exact/asymptotic switch at max(n1, n2) <= 10000: scipy MAX_AUTO_N',
    'drift when p_value <= 0.05: Evidently ks_stattest.py (default_threshold=0.05, `p_value <= threshold`)',
  ],
};

/** scipy's MAX_AUTO_N: 'auto' is exact when both samples have at most this many values. */
export const KS_MAX_EXACT_N = 10000;

export interface KsResult {
  readonly statistic: number;
  readonly pValue: number;
  readonly method: 'exact' | 'asymp';
}

/** sup |F_a - F_b| of two sorted samples of finite values (scipy's cddiffs), in one merge. */
export function ksStatistic(a: Float64Array, b: Float64Array): number {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let maxS = -Infinity;
  let minS = Infinity;
  while (i < n1 || j < n2) {
    const x = j >= n2 || (i < n1 && a[i]! <= b[j]!) ? a[i]! : b[j]!;
    while (i < n1 && a[i]! <= x) i++;
    while (j < n2 && b[j]! <= x) j++;
    const diff = i / n1 - j / n2;
    if (diff > maxS) maxS = diff;
    if (diff < minS) minS = diff;
  }
  const minClipped = Math.min(Math.max(-minS, 0), 1);
  return minClipped > maxS ? minClipped : maxS;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** numpy.round: half to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** P(D_{n,n} >= h/n), Horner-like to avoid cancellation (scipy _compute_prob_outside_square). */
function probOutsideSquare(n: number, h: number): number {
  let P = 0.0;
  let k = Math.floor(n / h);
  while (k >= 0) {
    let p1 = 1.0;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    P = p1 * (1.0 - P);
    k -= 1;
  }
  return 2 * P;
}

/**
 * The proportion of lattice paths from (0,0) to (m,n) that leave |x/m - y/n| < h/lcm, computed as
 * 1 - p directly (scipy `_stats_pythran._compute_outer_prob_inside_method`).
 */
function outerProbInside(m: number, n: number, g: number, h: number): number {
  if (m < n) [m, n] = [n, m];
  const mg = Math.trunc(m / g);
  const ng = Math.trunc(n / g);
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const A = new Float64Array(lenA).fill(1);
  A.fill(0.0, minj, maxj);
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.max(Math.floor((ng * i - h) / mg) + 1, 0);
    minj = Math.min(minj, n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1.0;
    let val = minj === 0 ? 0.0 : 1.0;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (A[jj + minj - lastminj]! * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) A.fill(1, maxj - minj, Math.min(maxj - minj + (lastlen - curlen), lenA));
  }
  return A[maxj - minj - 1]!;
}

/** scipy _attempt_exact_2kssamp (two-sided): success, the rounded D and the p-value. */
function attemptExact(n1: number, n2: number, g: number, d: number): { success: boolean; d: number; p: number } {
  const lcm = Math.trunc(n1 / g) * n2;
  const h = roundHalfEven(d * lcm);
  const dRounded = (h * 1.0) / lcm;
  if (h === 0) return { success: true, d: dRounded, p: 1.0 };
  const p = n1 === n2 ? probOutsideSquare(n1, h) : outerProbInside(n1, n2, g, h);
  // scipy also fails over on a floating-point exception, which JavaScript reports as ±Inf/NaN here.
  if (!(p >= 0 && p <= 1)) return { success: false, d: dRounded, p };
  return { success: true, d: dRounded, p };
}

/**
 * ks_2samp(a, b) for sorted, non-empty samples of finite values. Callers handle empty samples
 * (scipy raises) before calling.
 *
 * `maxExactCells` (default: no limit, as scipy) bounds n1·n2 for the exact p-value: for unequal
 * sizes the exact computation walks an n1 x n2 lattice (seconds at 5,000 x 10,000), while the
 * asymptotic distribution is already accurate to ~1e-3 there. The robust method sets it.
 */
export function ks2Samp(a: Float64Array, b: Float64Array, maxExactCells = Infinity): KsResult {
  const n1 = a.length;
  const n2 = b.length;
  let d = ksStatistic(a, b);
  let method: 'exact' | 'asymp' = Math.max(n1, n2) <= KS_MAX_EXACT_N && (n1 === n2 || n1 * n2 <= maxExactCells) ? 'exact' : 'asymp';
  let prob = Number.NaN;
  if (method === 'exact') {
    const exact = attemptExact(n1, n2, gcd(n1, n2), d);
    d = exact.d;
    if (exact.success) prob = exact.p;
    else method = 'asymp';
  }
  if (method === 'asymp') {
    const m = Math.max(n1, n2);
    const n = Math.min(n1, n2);
    const en = (m * n) / (m + n);
    prob = kstwoSf(d, roundHalfEven(en));
  }
  return { statistic: d, pValue: Math.min(1, Math.max(0, prob)), method };
}
