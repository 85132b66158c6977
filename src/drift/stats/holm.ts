/**
 * Holm (1979) step-down adjusted p-values ("A simple sequentially rejective multiple test
 * procedure", Scand. J. Statistics 6(2)), as statsmodels.stats.multitest.multipletests(ps,
 * method="holm") computes them: sort ascending, multiply the i-th smallest (rank i from 0) by
 * m - i, take the running maximum from the smallest up, clip to 1. Rejecting the hypotheses whose
 * adjusted p-value is below alpha controls the family-wise error rate (the chance of any false
 * rejection) at alpha under any dependence, unlike Benjamini-Hochberg's false discovery rate: the
 * tolerance method promises "no feature flagged without drift" in at most alpha of evaluations.
 */
export function holm(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((_, k) => k).sort((x, y) => pValues[x]! - pValues[y]!);
  const out = new Array<number>(m);
  let running = 0;
  order.forEach((k, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * pValues[k]!));
    out[k] = running;
  });
  return out;
}
