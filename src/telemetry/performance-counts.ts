import { bucketLabel, CLASSES, type Metrics } from './metrics.js';

/**
 * This replica's ground-truth counters for one model, read back from the series feedback and
 * prediction telemetry increment (the HTML report's performance section). Series are looked up
 * with the model's registry values and its score buckets only, all created at startup.
 */
export interface PerformanceCounts {
  /** Labels by [label][predicted], as ml_feedback_labels_total: tp, fn, fp, tn. */
  readonly truePositives: number;
  readonly falseNegatives: number;
  readonly falsePositives: number;
  readonly trueNegatives: number;
  /** Scored rows by decision, and the sum of their scores (ml_prediction_decisions_total, ..._expected_positives_total). */
  readonly predictedPositive: number;
  readonly predictedNegative: number;
  readonly scoreSumPredictedPositive: number;
  readonly scoreSumPredictedNegative: number;
  /** Per score bucket (the model's edges, ascending): labelled positives, negatives, sum of their scores. */
  readonly buckets: readonly {
    readonly upper: number;
    readonly positives: number;
    readonly negatives: number;
    readonly scoreSum: number;
  }[];
}

export function readPerformanceCounts(
  metrics: Metrics,
  modelName: string,
  modelVersion: string,
  scoreBuckets: readonly number[],
): PerformanceCounts {
  const [positive, negative] = CLASSES;
  const labels = (label: string, predicted: string) => metrics.feedbackLabels.labels(modelName, modelVersion, label, predicted).value;
  return {
    truePositives: labels(positive, positive),
    falseNegatives: labels(positive, negative),
    falsePositives: labels(negative, positive),
    trueNegatives: labels(negative, negative),
    predictedPositive: metrics.predictionDecisions.labels(modelName, modelVersion, positive).value,
    predictedNegative: metrics.predictionDecisions.labels(modelName, modelVersion, negative).value,
    scoreSumPredictedPositive: metrics.predictionExpectedPositives.labels(modelName, modelVersion, positive).value,
    scoreSumPredictedNegative: metrics.predictionExpectedPositives.labels(modelName, modelVersion, negative).value,
    buckets: scoreBuckets.map((upper) => {
      const bucket = bucketLabel(upper);
      return {
        upper,
        positives: metrics.feedbackBucketLabels.labels(modelName, modelVersion, positive, bucket).value,
        negatives: metrics.feedbackBucketLabels.labels(modelName, modelVersion, negative, bucket).value,
        scoreSum: metrics.feedbackBucketScoreSum.labels(modelName, modelVersion, bucket).value,
      };
    }),
  };
}
