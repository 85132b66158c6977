/**
 * Holdout quality figures for a binary classifier, with ties handled as scikit-learn does
 * (roc_auc_score: trapezoids over distinct thresholds; average_precision_score: step-wise sum
 * of precision × recall gain over distinct thresholds).
 */

function distinctThresholdCounts(scores: ArrayLike<number>, labels: Uint8Array) {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const steps: { tp: number; fp: number }[] = [];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    if (labels[i]) tp++;
    else fp++;
    const next = order[k + 1];
    if (next === undefined || scores[next] !== scores[i]) steps.push({ tp, fp });
  }
  return { steps, positives: tp, negatives: fp };
}

export function rocAuc(scores: ArrayLike<number>, labels: Uint8Array): number {
  const { steps, positives, negatives } = distinctThresholdCounts(scores, labels);
  let area = 0;
  let prevTp = 0;
  let prevFp = 0;
  for (const { tp, fp } of steps) {
    area += ((fp - prevFp) * (tp + prevTp)) / 2;
    prevTp = tp;
    prevFp = fp;
  }
  return area / (positives * negatives);
}

export function averagePrecision(scores: ArrayLike<number>, labels: Uint8Array): number {
  const { steps, positives } = distinctThresholdCounts(scores, labels);
  let ap = 0;
  let prevRecall = 0;
  for (const { tp, fp } of steps) {
    const recall = tp / positives;
    ap += (recall - prevRecall) * (tp / (tp + fp));
    prevRecall = recall;
  }
  return ap;
}

export function logLoss(probabilities: ArrayLike<number>, labels: Uint8Array): number {
  const eps = 1e-15;
  let sum = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = Math.min(1 - eps, Math.max(eps, probabilities[i]!));
    sum -= labels[i] ? Math.log(p) : Math.log(1 - p);
  }
  return sum / labels.length;
}

export function brierScore(probabilities: ArrayLike<number>, labels: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < labels.length; i++) sum += (probabilities[i]! - labels[i]!) ** 2;
  return sum / labels.length;
}

/** Share of positives caught when flagging the top `alertRate` share of rows by score. */
export function recallAtAlertRate(scores: ArrayLike<number>, labels: Uint8Array, alertRate: number): number {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const flagged = Math.round(order.length * alertRate);
  let caught = 0;
  let positives = 0;
  order.forEach((i, rank) => {
    positives += labels[i]!;
    if (rank < flagged) caught += labels[i]!;
  });
  return caught / positives;
}
