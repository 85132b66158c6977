/**
 * Is the Kolmogorov-Smirnov distance D = sup_x |F_ref(x) - F_cur(x)| larger than a tolerance?
 * A minimum-effect (interval-null) test, H0: D <= tolerance against H1: D > tolerance, on two
 * samples (the reference is a sample too, so its noise is in the test).
 *
 * Why this bound: the estimated distance exceeds the true one by at most the sup of the two
 * empirical processes' difference, D_hat <= D + sup_x |(F_ref_n - F_ref) - (F_cur_n - F_cur)|,
 * and when the two distributions coincide that sup, scaled by sqrt(n_eff) with
 * n_eff = n_ref n_cur / (n_ref + n_cur), has Kolmogorov's limiting distribution (the two-sample
 * KS null; Smirnov 1939). So p = kolmogorov((D_hat - tolerance) sqrt(n_eff)) is the asymptotic
 * p-value at the boundary D = tolerance, for distributions close to each other (the tolerance is
 * small), and conservative for discrete data (ties make the sup smaller). At tolerance 0 it is the
 * asymptotic two-sided KS test (scipy.stats.ks_2samp(method="asymp") up to scipy's finite-n
 * kstwo correction). No bootstrap, no bins: the same calibration for every numerical feature.
 *
 * The dual statement: the one-sided (1 - a) lower confidence bound of D is
 * D_hat - kolmogi(a) / sqrt(n_eff), and the test rejects at level a exactly when that bound is
 * above the tolerance.
 */
import { ksStatistic } from './ks.js';
import { kolmogorov } from './special/kolmogorov.js';
import type { StatTestMetadata } from './stattest.js';

export const KS_EXCESS: StatTestMetadata = {
  name: 'ks_excess',
  displayName: 'K-S distance above tolerance p_value',
  yieldsPValue: true,
  direction: 'p_below',
  inclusive: false,
  defaultThreshold: 0.05,
  sources: [
    'statistic: the two-sample KS distance, as scipy.stats.ks_2samp',
    'p-value: scipy.special.kolmogorov((D - tolerance) * sqrt(n1 n2 / (n1 + n2))), 1 when D <= tolerance',
    'the bound D_hat <= D + sup|empirical process difference| (triangle inequality); Smirnov 1939 for its limit',
  ],
};

export interface ExcessTestResult {
  /** The estimated effect: D for KS, the total-variation distance for categories, a share difference. */
  readonly statistic: number;
  readonly tolerance: number;
  /** P(effect this far above the tolerance | effect = tolerance): 1 when the estimate is not above it. */
  readonly pValue: number;
}

/** n1 n2 / (n1 + n2): the sample size that the two-sample statistics behave like. */
export const effectiveSize = (n1: number, n2: number): number => (n1 * n2) / (n1 + n2);

/** Kolmogorov's quantile: the x with kolmogorov(x) = p (scipy.special.kolmogi), by bisection. */
export function kolmogi(p: number): number {
  if (!(p > 0 && p <= 1)) throw new RangeError(`p must be in (0, 1], got ${p}`);
  let lo = 0;
  let hi = 10;
  for (let k = 0; k < 100; k++) {
    const mid = (lo + hi) / 2;
    if (kolmogorov(mid) > p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** The test on the sorted finite values of both samples (both non-empty). */
export function ksExcessTest(ref: Float64Array, cur: Float64Array, tolerance: number): ExcessTestResult {
  const d = ksStatistic(ref, cur);
  return { statistic: d, tolerance, pValue: ksExcessPValue(d, effectiveSize(ref.length, cur.length), tolerance) };
}

export function ksExcessPValue(d: number, nEff: number, tolerance: number): number {
  const excess = d - tolerance;
  return excess > 0 ? kolmogorov(excess * Math.sqrt(nEff)) : 1;
}

/** One-sided (1 - a) lower confidence bound of D, floored at 0. */
export function ksLowerBound(d: number, nEff: number, a: number): number {
  return Math.max(0, d - kolmogi(a) / Math.sqrt(nEff));
}
