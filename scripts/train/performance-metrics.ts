import type { Random } from './random.js';

/**
 * The figures ground-truth monitoring compares a model against, computed here exactly as the
 * service's recording rules compute them from its counters (alert-rules.yml, group
 * ml-service-performance), so that the holdout reference and the live figures mean the same thing:
 * predicted positive <=> score > threshold; a score falls in the first bucket whose upper edge is
 * >= the score; AUC from bucket counts with the ties inside a bucket counted half; ECE as
 * Σ_b |positives_b − Σ scores_b| / N over the same buckets.
 */

export interface Confusion {
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
  readonly tn: number;
}

export interface ThresholdMetrics {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly positiveRate: number;
  readonly predictedPositiveRate: number;
}

export function confusionAt(scores: ArrayLike<number>, labels: Uint8Array, threshold: number): Confusion {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (let i = 0; i < labels.length; i++) {
    const predicted = scores[i]! > threshold;
    if (labels[i]) {
      if (predicted) tp++;
      else fn++;
    } else if (predicted) fp++;
    else tn++;
  }
  return { tp, fp, fn, tn };
}

/** Precision of no predicted positive is 0, as scikit-learn's precision_score(zero_division=0). */
export function thresholdMetrics({ tp, fp, fn, tn }: Confusion): ThresholdMetrics {
  const rows = tp + fp + fn + tn;
  return {
    precision: tp + fp > 0 ? tp / (tp + fp) : 0,
    recall: tp + fn > 0 ? tp / (tp + fn) : 0,
    f1: tp > 0 ? (2 * tp) / (2 * tp + fp + fn) : 0,
    positiveRate: (tp + fn) / rows,
    predictedPositiveRate: (tp + fp) / rows,
  };
}

/** The candidate with the highest F1 (the lowest such candidate on ties). */
export function maxF1Threshold(
  scores: ArrayLike<number>,
  labels: Uint8Array,
  candidates: readonly number[],
): { threshold: number; f1: number } {
  let best = { threshold: candidates[0]!, f1: -1 };
  for (const threshold of candidates) {
    const { f1 } = thresholdMetrics(confusionAt(scores, labels, threshold));
    if (f1 > best.f1) best = { threshold, f1 };
  }
  return best;
}

/** Index of the bucket of `score`: the first upper edge >= score (edges ascending, last 1). */
export function bucketIndex(edges: readonly number[], score: number): number {
  let lo = 0;
  let hi = edges.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (score <= edges[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export interface BucketCounts {
  readonly edges: readonly number[];
  readonly positives: Float64Array;
  readonly negatives: Float64Array;
  /** Σ score of the rows in each bucket. */
  readonly scoreSums: Float64Array;
}

export function countBuckets(scores: ArrayLike<number>, labels: Uint8Array, edges: readonly number[]): BucketCounts {
  const counts = {
    edges,
    positives: new Float64Array(edges.length),
    negatives: new Float64Array(edges.length),
    scoreSums: new Float64Array(edges.length),
  };
  for (let i = 0; i < labels.length; i++) {
    const b = bucketIndex(edges, scores[i]!);
    if (labels[i]) counts.positives[b]!++;
    else counts.negatives[b]!++;
    counts.scoreSums[b]! += scores[i]!;
  }
  return counts;
}

/**
 * ROC AUC from bucket counts: (Σ_b neg_b · pos_above_b + ½ Σ_b neg_b · pos_b) / (P · N), where
 * pos_above_b counts the positives in higher buckets, and the bound on its distance from the exact
 * AUC, ½ Σ_b neg_b · pos_b / (P · N): every pair inside one bucket is counted ½ instead of 0 or 1.
 * With one bucket per distinct score this is the exact AUC (ties half, as scikit-learn).
 */
export function bucketedRocAuc(counts: Pick<BucketCounts, 'positives' | 'negatives'>): { rocAuc: number; errorBound: number } {
  const { positives, negatives } = counts;
  let above = 0;
  let ordered = 0;
  let tied = 0;
  let p = 0;
  let n = 0;
  for (let b = positives.length - 1; b >= 0; b--) {
    ordered += negatives[b]! * above;
    tied += negatives[b]! * positives[b]!;
    above += positives[b]!;
    p += positives[b]!;
    n += negatives[b]!;
  }
  return { rocAuc: (ordered + tied / 2) / (p * n), errorBound: tied / 2 / (p * n) };
}

/** Expected calibration error over the buckets: Σ_b |positives_b − Σ scores_b| / N. */
export function expectedCalibrationError(counts: BucketCounts): number {
  let gap = 0;
  let rows = 0;
  for (let b = 0; b < counts.edges.length; b++) {
    gap += Math.abs(counts.positives[b]! - counts.scoreSums[b]!);
    rows += counts.positives[b]! + counts.negatives[b]!;
  }
  return gap / rows;
}

/**
 * Wilson score interval of a binomial proportion (Wilson 1927; scipy.stats.binomtest(k, n)
 * .proportion_ci(method='wilson')). z = 1.959963984540054 is the 97.5 % normal quantile: a 95 %
 * interval.
 */
export function wilsonInterval(successes: number, trials: number, z = 1.959963984540054): [number, number] {
  const p = successes / trials;
  const z2 = z * z;
  const centre = (p + z2 / (2 * trials)) / (1 + z2 / trials);
  const half = (z / (1 + z2 / trials)) * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/**
 * Spiegelhalter's z statistic of calibration (Spiegelhalter 1986, Statistics in Medicine 5:421,
 * eq. 4): Σ (y − p)(1 − 2p) / sqrt(Σ (1 − 2p)² p (1 − p)); standard normal when the probabilities
 * are the true ones, so |z| > 1.96 rejects calibration at 5 %.
 */
export function spiegelhalterZ(probabilities: ArrayLike<number>, labels: Uint8Array): number {
  let numerator = 0;
  let variance = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = probabilities[i]!;
    numerator += (labels[i]! - p) * (1 - 2 * p);
    variance += (1 - 2 * p) ** 2 * p * (1 - p);
  }
  return numerator / Math.sqrt(variance);
}

/**
 * ECE of labels drawn from the scores themselves: what a perfectly calibrated model shows on this
 * many rows, as ECE is biased upward by sampling noise. Mean and 95th percentile of `draws` draws.
 */
export function calibratedEceDistribution(
  scores: ArrayLike<number>,
  edges: readonly number[],
  random: Random,
  draws: number,
): { mean: number; p95: number } {
  const buckets = Int32Array.from({ length: scores.length }, (_, i) => bucketIndex(edges, scores[i]!));
  const scoreSums = new Float64Array(edges.length);
  for (let i = 0; i < scores.length; i++) scoreSums[buckets[i]!]! += scores[i]!;
  const values: number[] = [];
  const positives = new Float64Array(edges.length);
  for (let d = 0; d < draws; d++) {
    positives.fill(0);
    for (let i = 0; i < scores.length; i++) if (random.uniform() < scores[i]!) positives[buckets[i]!]!++;
    let gap = 0;
    for (let b = 0; b < edges.length; b++) gap += Math.abs(positives[b]! - scoreSums[b]!);
    values.push(gap / scores.length);
  }
  values.sort((a, b) => a - b);
  return { mean: values.reduce((a, b) => a + b, 0) / draws, p95: quantile(values, 0.95) };
}

export interface BootstrapSample {
  /** Bucketed ROC AUC, as the recording rule computes it, per resample. */
  readonly rocAuc: Float64Array;
  readonly precision: Float64Array;
  readonly recall: Float64Array;
  readonly f1: Float64Array;
  readonly positives: Float64Array;
}

/**
 * The figures of `resamples` samples of `rows` rows drawn with replacement from the holdout: how
 * far a window of that many labels strays from the holdout by chance alone.
 */
export function bootstrapFigures(
  scores: ArrayLike<number>,
  labels: Uint8Array,
  options: { threshold: number; edges: readonly number[]; rows: number; resamples: number; random: Random },
): BootstrapSample {
  const { threshold, edges, rows, resamples, random } = options;
  const buckets = Int32Array.from({ length: labels.length }, (_, i) => bucketIndex(edges, scores[i]!));
  const out = {
    rocAuc: new Float64Array(resamples),
    precision: new Float64Array(resamples),
    recall: new Float64Array(resamples),
    f1: new Float64Array(resamples),
    positives: new Float64Array(resamples),
  };
  const positives = new Float64Array(edges.length);
  const negatives = new Float64Array(edges.length);
  for (let r = 0; r < resamples; r++) {
    positives.fill(0);
    negatives.fill(0);
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let k = 0; k < rows; k++) {
      const i = random.integer(0, labels.length - 1);
      const predicted = scores[i]! > threshold;
      if (labels[i]) {
        positives[buckets[i]!]!++;
        if (predicted) tp++;
        else fn++;
      } else {
        negatives[buckets[i]!]!++;
        if (predicted) fp++;
      }
    }
    const m = thresholdMetrics({ tp, fp, fn, tn: rows - tp - fp - fn });
    out.rocAuc[r] = bucketedRocAuc({ positives, negatives }).rocAuc;
    out.precision[r] = m.precision;
    out.recall[r] = m.recall;
    out.f1[r] = m.f1;
    out.positives[r] = tp + fn;
  }
  return out;
}

export function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return sum / values.length;
}

/** Sample standard deviation (n − 1), as numpy.std(ddof=1). */
export function standardDeviation(values: ArrayLike<number>): number {
  const m = mean(values);
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += (values[i]! - m) ** 2;
  return Math.sqrt(sum / (values.length - 1));
}

/** Quantile of sorted values with linear interpolation (numpy.quantile's default method). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}
