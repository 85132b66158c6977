/**
 * Benjamini-Hochberg adjusted p-values (Benjamini & Hochberg 1995, "Controlling the false
 * discovery rate", JRSS B 57(1)), as scipy.stats.false_discovery_control(ps, method="bh"):
 * sort, multiply the i-th smallest by m / i, take the running minimum from the largest down,
 * clip to [0, 1]. Rejecting the hypotheses whose adjusted p-value is below q controls the false
 * discovery rate at q for independent or positively dependent tests; "at least one rejection" is
 * then Simes' (1986) global test at level q.
 */
export function benjaminiHochberg(pValues: readonly number[]): number[] {
  const m = pValues.length;
  if (m <= 1) return [...pValues];
  const order = pValues.map((_, k) => k).sort((x, y) => pValues[x]! - pValues[y]!);
  const adjusted = order.map((k, rank) => pValues[k]! * (m / (rank + 1)));
  for (let r = m - 2; r >= 0; r--) adjusted[r] = Math.min(adjusted[r]!, adjusted[r + 1]!);
  const out = new Array<number>(m);
  order.forEach((k, rank) => (out[k] = Math.min(1, Math.max(0, adjusted[rank]!))));
  return out;
}
