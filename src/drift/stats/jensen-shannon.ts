/**
 * Jensen-Shannon distance, as scipy.spatial.distance.jensenshannon(p, q, base) computes it:
 * p and q are normalised to sum 1, m = (p + q) / 2, and the distance is
 * sqrt((KL(p || m) + KL(q || m)) / 2), with natural logarithms unless a base is given.
 * Evidently's `jensenshannon` stattest uses the natural logarithm, no zero fill, and drift at >= 0.1.
 */
import type { StatTestMetadata } from './stattest.js';

export const JENSEN_SHANNON: StatTestMetadata = {
  name: 'jensenshannon',
  displayName: 'Jensen-Shannon distance',
  yieldsPValue: false,
  direction: 'distance_above',
  inclusive: true,
  defaultThreshold: 0.1,
  sources: [
    'distance: scipy.spatial.distance.jensenshannon(reference_shares, current_shares), base e',
    'bins without zero fill and drift when >= 0.1: Evidently jensenshannon.py (default_threshold=0.1)',
  ],
};

/** scipy.special.rel_entr(x, y): x ln(x/y), 0 when x = 0, +inf when y = 0 < x. */
function relEntr(x: number, y: number): number {
  if (x > 0 && y > 0) return x * Math.log(x / y);
  if (x === 0 && y >= 0) return 0;
  return Infinity;
}

export function jensenShannonDistance(p: ArrayLike<number>, q: ArrayLike<number>, base?: number): number {
  let sp = 0;
  let sq = 0;
  for (let k = 0; k < p.length; k++) {
    sp += p[k]!;
    sq += q[k]!;
  }
  let left = 0;
  let right = 0;
  for (let k = 0; k < p.length; k++) {
    const pk = p[k]! / sp;
    const qk = q[k]! / sq;
    const m = (pk + qk) / 2.0;
    left += relEntr(pk, m);
    right += relEntr(qk, m);
  }
  let js = left + right;
  if (base !== undefined) js /= Math.log(base);
  return Math.sqrt(js / 2.0);
}
