/**
 * Population Stability Index: sum over bins of (ref_i - cur_i) * ln(ref_i / cur_i), on shares.
 * Zero shares make it infinite, so they are filled first, without renormalising:
 *   - Evidently's rule (utils.py `get_binned_data(..., feel_zeroes=True)`): each side separately,
 *     zero shares become 1e-4, or (smallest non-zero share of that side) / 1e6 when that smallest
 *     share is itself <= 1e-4;
 *   - the robust method's rule: a fixed 1e-4 on both sides, so the value does not depend on
 *     the smallest bin of the window.
 * Thresholds 0.1 (moderate shift) and 0.25 (major) are the credit-scoring convention (Siddiqi 2006,
 * "Credit Risk Scorecards", ch. 8); Evidently's psi stattest uses 0.1.
 */
import type { StatTestMetadata } from './stattest.js';

export const PSI: StatTestMetadata = {
  name: 'psi',
  displayName: 'PSI',
  yieldsPValue: false,
  direction: 'distance_above',
  inclusive: true,
  defaultThreshold: 0.1,
  sources: [
    'formula and zero fill: Evidently psi.py and utils.py get_binned_data(feel_zeroes=True)',
    'drift when psi >= 0.1: Evidently psi.py (default_threshold=0.1); Siddiqi (2006) 0.1 / 0.25 bands',
  ],
};

/** The share zero bins get (Evidently utils.py; the robust method's fixed fill). */
export const PSI_ZERO_FILL = 1e-4;

/** Evidently's fill: zero shares -> 1e-4, or min non-zero share / 1e6 when that is <= 1e-4. */
export function fillZeroSharesEvidently(shares: Float64Array): Float64Array {
  let minNonZero = Infinity;
  for (const s of shares) if (s !== 0 && s < minNonZero) minNonZero = s;
  const fill = minNonZero <= PSI_ZERO_FILL ? minNonZero / 10 ** 6 : PSI_ZERO_FILL;
  return shares.map((s) => (s === 0 ? fill : s));
}

/** Fixed fill: every zero share becomes `fill`. */
export function fillZeroShares(shares: Float64Array, fill: number = PSI_ZERO_FILL): Float64Array {
  return shares.map((s) => (s === 0 ? fill : s));
}

/** PSI of two share vectors without zeros (fill them first). */
export function psi(reference: Float64Array, current: Float64Array): number {
  let sum = 0;
  for (let k = 0; k < reference.length; k++) {
    const r = reference[k]!;
    const c = current[k]!;
    sum += (r - c) * Math.log(r / c);
  }
  return sum;
}

/** counts / total, as Evidently divides histogram counts by the sample size. */
export function shares(counts: Float64Array, total: number): Float64Array {
  return counts.map((c) => c / total);
}
