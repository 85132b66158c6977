/**
 * The service's report input: the latest evaluation of a model's window (the report and the
 * distributions the drift worker measured on the same snapshot) and, when the model has a
 * performance.json, this replica's ground-truth counters against it. Pure: app.ts reads the
 * counters, this turns them into figures.
 */
import type { ModelDistributions } from '../drift/distributions.js';
import type { ModelDriftReport } from '../drift/model-drift.js';
import type { ModelPerformance } from '../model/performance-file.js';
import type { PerformanceCounts } from '../telemetry/performance-counts.js';
import type { CalibrationInput, PerformanceFigure, PerformanceInput, ReportColumn, ReportInput } from './report-input.js';

export interface ServiceReportSource {
  readonly report: ModelDriftReport;
  readonly distributions: ModelDistributions | undefined;
  /** DRIFT_WINDOW_SIZE: the window's capacity. */
  readonly windowSize: number;
  readonly performance?: { readonly model: ModelPerformance; readonly counts: PerformanceCounts };
}

const ratio = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null);
const f1 = (precision: number | null, recall: number | null): number | null =>
  precision === null || recall === null ? null : precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;

/**
 * Realised metrics from the labels' confusion matrix at the model's threshold; estimated ones by
 * confidence-based performance estimation (CBPE, NannyML): with calibrated scores, a scored row
 * is a positive with probability equal to its score, so the expected true positives are the sum
 * of the scores of the rows predicted positive, and the expected false negatives that of the
 * rows predicted negative. The estimates need no labels, only the decision counters.
 */
export function performanceInput(model: ModelPerformance, counts: PerformanceCounts): PerformanceInput {
  const { truePositives: tp, falseNegatives: fn, falsePositives: fp, trueNegatives: tn } = counts;
  const labels = tp + fn + fp + tn;
  const precision = ratio(tp, tp + fp);
  const recall = ratio(tp, tp + fn);
  const expectedTp = counts.scoreSumPredictedPositive;
  const expectedFn = counts.scoreSumPredictedNegative;
  const scored = counts.predictedPositive + counts.predictedNegative;
  const estimatedPrecision = ratio(expectedTp, counts.predictedPositive);
  const estimatedRecall = ratio(expectedTp, expectedTp + expectedFn);
  const reference = model.reference;
  const figures: PerformanceFigure[] = [
    { metric: 'precision', reference: reference?.precision ?? null, realised: precision, estimated: estimatedPrecision },
    { metric: 'recall', reference: reference?.recall ?? null, realised: recall, estimated: estimatedRecall },
    { metric: 'F1', reference: reference?.f1 ?? null, realised: f1(precision, recall), estimated: f1(estimatedPrecision, estimatedRecall) },
    {
      metric: 'positive rate (labels)',
      reference: reference?.positiveRate ?? null,
      realised: ratio(tp + fn, labels),
      estimated: ratio(expectedTp + expectedFn, scored),
    },
    {
      metric: 'predicted positive rate',
      reference: reference?.predictedPositiveRate ?? null,
      realised: ratio(counts.predictedPositive, scored),
      estimated: null,
    },
  ];
  const byEdge = new Map((model.calibration ?? []).map((row) => [row.bucketUpper, row]));
  const calibration: CalibrationInput[] = [];
  for (const bucket of counts.buckets) {
    const held = byEdge.get(bucket.upper);
    const live = bucket.positives + bucket.negatives;
    if (!held && live === 0) continue;
    calibration.push({
      bucketUpper: bucket.upper,
      referenceRows: held?.rows ?? null,
      referenceMeanScore: held?.meanScore ?? null,
      referencePositiveRate: held?.positiveRate ?? null,
      labels: live,
      liveMeanScore: ratio(bucket.scoreSum, live),
      livePositiveRate: ratio(bucket.positives, live),
    });
  }
  const notes = [
    'Realised: from the labels POST /feedback accepted on this replica since it started (the confusion matrix at the threshold).',
    `Estimated (CBPE): from the ${scored} rows this replica scored, assuming calibrated scores; no labels needed.`,
    ...(labels < model.alerting.minLabels
      ? [`${labels} labels is fewer than the ${model.alerting.minLabels} the performance alerts wait for: realised figures are noisy.`]
      : []),
    ...(reference ? [] : ['The model has no reference figures (performance.json without "reference").']),
  ];
  return {
    decisionThreshold: model.decisionThreshold,
    source: "This replica's counters (ml_feedback_labels_total, ml_prediction_decisions_total) against the model's performance.json",
    labels,
    positives: tp + fn,
    figures,
    calibration,
    notes,
  };
}

export function serviceReportInput(source: ServiceReportSource): ReportInput {
  const { report, distributions } = source;
  const byName = new Map((distributions?.features ?? []).map((d) => [d.name, d]));
  const columns: ReportColumn[] = Object.entries(report.features).map(([name, column]) => {
    const distribution = byName.get(name);
    return { name, report: column, ...(distribution && { distribution }) };
  });
  return {
    title: `${report.model_name}@${report.model_version}`,
    method: report.method,
    evaluatedAt: report.evaluated_at,
    data: [
      { label: 'Model', value: `${report.model_name}@${report.model_version}` },
      { label: 'Reference', value: "the model's reference.csv, scored by the model" },
      {
        label: 'Current',
        value: `this replica's live window: the last ${report.window_rows} scored rows (capacity ${source.windowSize}; ${report.rows_seen} rows seen since start)`,
      },
      { label: 'Evaluation time', value: `${report.evaluation_ms.toFixed(1)} ms (drift worker)` },
    ],
    datasetDrift: report.drift_detected,
    shareOfDriftedColumns: report.drift_score,
    driftedColumns: report.drifted_features,
    numberOfColumns: report.total_features,
    status: report.status,
    columns,
    prediction: {
      name: 'prediction score',
      report: report.prediction,
      ...(distributions && { distribution: { ...distributions.prediction, name: 'prediction score' } }),
    },
    ...(source.performance && { performance: performanceInput(source.performance.model, source.performance.counts) }),
  };
}
