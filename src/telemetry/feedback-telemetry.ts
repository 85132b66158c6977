import type { CounterSeries } from './metric-primitives.js';
import { bucketLabel, FEEDBACK_OUTCOMES, type FeedbackOutcome, type Metrics, type ModelDescriptor } from './metrics.js';

/** Metric updates for the labels of one model, every series bound once at startup. */
export interface FeedbackRecorder {
  /**
   * A label arrived for a prediction that scored `score` (the float32 its id carries), `delaySeconds`
   * after it was made: the confusion matrix at the model's threshold, the score bucket's label and
   * score counts, the positives above each bucket, the squared error and the delay.
   */
  labelled(score: number, positive: boolean, delaySeconds: number): void;
}

export interface FeedbackTelemetry {
  /** The recorder of a loaded model; one that has no performance series records nothing. */
  recorder(modelName: string, modelVersion: string): FeedbackRecorder;
  /** `count` feedback items ended with `outcome` (a refused batch counts its first bad item only). */
  outcome(outcome: FeedbackOutcome, count?: number): void;
}

const NOOP_RECORDER: FeedbackRecorder = { labelled() {} };
export const NO_FEEDBACK_TELEMETRY: FeedbackTelemetry = { recorder: () => NOOP_RECORDER, outcome() {} };

/**
 * Recorders bound per model at startup. A label costs one confusion-matrix and one bucket increment,
 * one increment per bucket below its own for a positive (at most 39), a score sum, a squared error
 * and a delay observation: the feedback path, not the prediction path.
 */
export function createFeedbackTelemetry(metrics: Metrics, models: readonly ModelDescriptor[]): FeedbackTelemetry {
  const recorders = new Map<string, FeedbackRecorder>();
  for (const { name, version, performance } of models) {
    if (performance === undefined) continue;
    const threshold = performance.decisionThreshold;
    const edges = Float64Array.from(performance.scoreBuckets);
    const last = edges.length - 1;
    const labels = metrics.feedbackLabels;
    // [label][predicted]: 0 positive, 1 negative.
    const confusion: CounterSeries[][] = [
      [labels.labels(name, version, 'positive', 'positive'), labels.labels(name, version, 'positive', 'negative')],
      [labels.labels(name, version, 'negative', 'positive'), labels.labels(name, version, 'negative', 'negative')],
    ];
    const bucketed = (family: typeof labels, ...before: string[]) =>
      performance.scoreBuckets.map((edge) => family.labels(name, version, ...before, bucketLabel(edge)));
    const positivesIn = bucketed(metrics.feedbackBucketLabels, 'positive');
    const negativesIn = bucketed(metrics.feedbackBucketLabels, 'negative');
    const positivesAbove = bucketed(metrics.feedbackPositivesAbove);
    const scoreSums = bucketed(metrics.feedbackBucketScoreSum);
    const squaredError = metrics.feedbackSquaredError.labels(name, version);
    const delay = metrics.feedbackLabelDelay.labels(name, version);

    recorders.set(`${name}\u0000${version}`, {
      labelled(score, positive, delaySeconds) {
        confusion[positive ? 0 : 1]![score > threshold ? 0 : 1]!.inc();
        // The first bucket whose upper edge holds the score; a score above the last edge, or NaN,
        // goes in the last one, so every label is in exactly one bucket.
        let b = 0;
        while (b < last && !(score <= edges[b]!)) b++;
        if (positive) {
          positivesIn[b]!.inc();
          for (let k = 0; k < b; k++) positivesAbove[k]!.inc();
        } else {
          negativesIn[b]!.inc();
        }
        scoreSums[b]!.inc(score);
        const error = score - (positive ? 1 : 0);
        squaredError.inc(error * error);
        delay.observe(delaySeconds);
      },
    });
  }
  const outcomes = new Map(FEEDBACK_OUTCOMES.map((o) => [o, metrics.feedback.labels(o)]));
  return {
    recorder: (name, version) => recorders.get(`${name}\u0000${version}`) ?? NOOP_RECORDER,
    outcome: (outcome, count = 1) => outcomes.get(outcome)?.inc(count),
  };
}
