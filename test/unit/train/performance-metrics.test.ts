import { describe, expect, it } from 'vitest';
import { rocAuc } from '../../../scripts/train/classification-metrics.js';
import {
  bootstrapFigures,
  bucketedRocAuc,
  bucketIndex,
  calibratedEceDistribution,
  confusionAt,
  countBuckets,
  expectedCalibrationError,
  maxF1Threshold,
  quantile,
  spiegelhalterZ,
  standardDeviation,
  thresholdMetrics,
  wilsonInterval,
} from '../../../scripts/train/performance-metrics.js';
import { createRandom } from '../../../scripts/train/random.js';
import {
  conceptDriftedFraudProbability,
  fraudLogit,
  fraudProbability,
  generateTransaction,
} from '../../../scripts/train/synthetic-transactions.js';
import { DEFAULT_SCORE_BUCKETS } from '../../../src/model/index.js';

// A hand-worked case. Positives score 0.2, 0.6, 0.7; negatives 0.1, 0.3, 0.65, 0.2.
const SCORES = [0.2, 0.6, 0.7, 0.1, 0.3, 0.65, 0.2];
const LABELS = Uint8Array.from([1, 1, 1, 0, 0, 0, 0]);
const EDGES = [0.25, 0.5, 1];

describe('performance figures as the recording rules compute them', () => {
  it('bucketIndex: a score equal to an edge falls in that bucket; float32 scores compare as stored', () => {
    expect([0, 0.25, 0.2500001, 0.5, 0.9, 1].map((s) => bucketIndex(EDGES, s))).toEqual([0, 0, 1, 1, 2, 2]);
    // Math.fround(0.0003) = 0.000300000014..., above the double 0.0003: the next bucket.
    expect(bucketIndex(DEFAULT_SCORE_BUCKETS, 0.0003)).toBe(0);
    expect(bucketIndex(DEFAULT_SCORE_BUCKETS, Math.fround(0.0003))).toBe(1);
  });

  it('confusion and threshold figures: predicted positive <=> score > threshold', () => {
    // 0.2 is not above 0.2: the positive scoring 0.2 is a false negative.
    const confusion = confusionAt(SCORES, LABELS, 0.2);
    expect(confusion).toEqual({ tp: 2, fp: 2, fn: 1, tn: 2 });
    expect(thresholdMetrics(confusion)).toEqual({
      precision: 0.5,
      recall: 2 / 3,
      f1: 4 / 7,
      positiveRate: 3 / 7,
      predictedPositiveRate: 4 / 7,
    });
    expect(thresholdMetrics({ tp: 0, fp: 0, fn: 3, tn: 4 })).toMatchObject({ precision: 0, recall: 0, f1: 0 });
  });

  it('maxF1Threshold: the best candidate, the lowest on ties', () => {
    // F1: 0.1 -> 6/9, 0.2 -> 4/7, 0.3 -> 4/6, 0.5 -> 4/6, 0.65 -> 2/4.
    expect(maxF1Threshold(SCORES, LABELS, [0.1, 0.2, 0.3, 0.5, 0.65])).toEqual({ threshold: 0.1, f1: 2 / 3 });
    expect(maxF1Threshold(SCORES, LABELS, [0.2, 0.3, 0.65])).toEqual({ threshold: 0.3, f1: 2 / 3 });
  });

  it('bucketed AUC and its bound, by hand', () => {
    // Buckets: (≤0.25) 1 pos 2 neg, (≤0.5) 0 pos 1 neg, (≤1) 2 pos 1 neg; P·N = 12.
    // Ordered pairs 1·2 + 2·2 = 6, tied pairs 2·1 + 1·2 = 4: AUC (6 + 4/2)/12, bound 2/12.
    const counts = countBuckets(SCORES, LABELS, EDGES);
    expect(Array.from(counts.positives)).toEqual([1, 0, 2]);
    expect(Array.from(counts.negatives)).toEqual([2, 1, 1]);
    const { rocAuc: auc, errorBound } = bucketedRocAuc(counts);
    expect(auc).toBeCloseTo(8 / 12, 15);
    expect(errorBound).toBeCloseTo(2 / 12, 15);
    // Exact: 1.5 + 3 + 4 = 8.5 ordered pairs of 12.
    expect(rocAuc(SCORES, LABELS)).toBeCloseTo(8.5 / 12, 15);
    expect(Math.abs(auc - 8.5 / 12)).toBeLessThanOrEqual(errorBound);
  });

  it('bucketed AUC with one bucket per distinct score is the exact AUC, ties counted half', () => {
    const random = createRandom(7);
    for (let trial = 0; trial < 20; trial++) {
      const n = 50 + trial * 20;
      // Scores on a coarse grid, so that ties between a positive and a negative are common.
      const scores = Array.from({ length: n }, () => random.integer(0, 30) / 30);
      const labels = Uint8Array.from(scores, (s) => (random.uniform() < s ? 1 : 0));
      const edges = [...new Set([...scores, 1])].sort((a, b) => a - b);
      expect(bucketedRocAuc(countBuckets(scores, labels, edges)).rocAuc).toBeCloseTo(rocAuc(scores, labels), 12);
    }
  });

  it('ECE: Σ_b |positives_b − Σ scores_b| / N, by hand', () => {
    // |1 − 0.5| + |0 − 0.3| + |2 − 1.95| = 0.85 over 7 rows.
    expect(expectedCalibrationError(countBuckets(SCORES, LABELS, EDGES))).toBeCloseTo(0.85 / 7, 14);
  });
});

describe('calibration and sampling statistics against scipy/numpy', () => {
  it('wilsonInterval = scipy.stats.binomtest(k, n).proportion_ci(method="wilson")', () => {
    // python3 -c "from scipy.stats import binomtest; print(binomtest(k, n).proportion_ci(method='wilson'))" (scipy 1.17)
    const cases: [number, number, number, number][] = [
      [0, 10, 0, 0.27753279986288926],
      [3, 10, 0.10779126740630102, 0.6032218525388546],
      [156, 18850, 0.007079021320014391, 0.009673079810703932],
      [10, 13, 0.497436240532725, 0.9182047128150144],
      [13, 13, 0.7719046276458017, 1],
    ];
    for (const [k, n, low, high] of cases) {
      const [lo, hi] = wilsonInterval(k, n);
      expect(lo).toBeCloseTo(low, 12);
      expect(hi).toBeCloseTo(high, 12);
    }
  });

  it('spiegelhalterZ = numpy of Spiegelhalter 1986 eq. 4', () => {
    // p = [.1,.4,.8,.3,.05,.9]; y = [0,1,1,0,0,0]; ((y-p)*(1-2p)).sum() / sqrt(((1-2p)**2*p*(1-p)).sum())
    const z = spiegelhalterZ([0.1, 0.4, 0.8, 0.3, 0.05, 0.9], Uint8Array.from([0, 1, 1, 0, 0, 0]));
    expect(z).toBeCloseTo(0.94160996962925, 12);
  });

  it('standardDeviation = numpy.std(ddof=1); quantile = numpy.quantile (linear)', () => {
    const values = [3, 1, 4, 1, 5, 9, 2, 6];
    expect(standardDeviation(values)).toBeCloseTo(2.748376143938713, 12);
    const sorted = [...values].sort((a, b) => a - b);
    expect(quantile(sorted, 0.95)).toBeCloseTo(7.95, 12);
    expect(quantile(sorted, 0.3)).toBeCloseTo(2.1, 12);
  });

  it('calibratedEceDistribution: scores of exactly 0 and 1 are their own labels -> 0', () => {
    expect(calibratedEceDistribution([0, 1, 1, 0], EDGES, createRandom(1), 10)).toEqual({ mean: 0, p95: 0 });
  });

  it('bootstrapFigures: reproducible from the seed; positives average rows × rate', () => {
    const random = createRandom(3);
    const scores = Array.from({ length: 2000 }, () => random.uniform());
    const labels = Uint8Array.from(scores, (s) => (random.uniform() < s ? 1 : 0));
    const options = { threshold: 0.5, edges: DEFAULT_SCORE_BUCKETS, rows: 500, resamples: 200 };
    const a = bootstrapFigures(scores, labels, { ...options, random: createRandom(9) });
    const b = bootstrapFigures(scores, labels, { ...options, random: createRandom(9) });
    expect(a).toEqual(b);
    const rate = labels.reduce((s, y) => s + y, 0) / labels.length;
    const meanPositives = a.positives.reduce((s, p) => s + p, 0) / options.resamples;
    expect(meanPositives / options.rows).toBeCloseTo(rate, 1);
    const exact = thresholdMetrics(confusionAt(scores, labels, 0.5));
    const meanRecall = a.recall.reduce((s, r) => s + r, 0) / options.resamples;
    expect(Math.abs(meanRecall - exact.recall)).toBeLessThan(3 * (standardDeviation(a.recall) / Math.sqrt(options.resamples)) + 1e-3);
  });
});

describe('synthetic process: what a traffic simulator draws labels from', () => {
  it('fraudProbability is the sigmoid of fraudLogit', () => {
    const t = generateTransaction(createRandom(1));
    expect(fraudProbability(t)).toBe(1 / (1 + Math.exp(-fraudLogit(t))));
  });

  it('the concept drift keeps the fraud rate of the reference distribution (within 0.3 points) but not its ranking', () => {
    const random = createRandom(11);
    const rows = Array.from({ length: 20_000 }, () => generateTransaction(random));
    const before = rows.map(fraudProbability);
    const after = rows.map(conceptDriftedFraudProbability);
    const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(Math.abs(meanOf(after) - meanOf(before))).toBeLessThan(0.003);
    // Ranked by the old probabilities, labels drawn from the new ones: far from the old AUC (~0.93).
    const labels = Uint8Array.from(after, (p) => (random.uniform() < p ? 1 : 0));
    expect(rocAuc(before, labels)).toBeLessThan(0.8);
  });
});
