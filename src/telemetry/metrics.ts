import { collectDefaultMetrics, Registry, type OpenMetricsContentType } from 'prom-client';
import {
  CounterFamily,
  GaugeFamily,
  HistogramFamily,
  renderExposition,
  type ExpositionFormat,
  type PromClientMetricView,
} from './metric-primitives.js';

/**
 * Every metric the service exports, declared once. The seed exercise's metrics keep their exact
 * names, help texts, labels and buckets; the others follow Prometheus naming and, for HTTP, the
 * OpenTelemetry semantic conventions (http.server.request.duration -> seconds, dots -> underscores).
 */
export const METRIC_NAMES = {
  predictions: 'ml_predictions_total',
  predictionDuration: 'ml_prediction_duration_seconds',
  predictionScores: 'ml_prediction_scores',
  confidenceScores: 'ml_confidence_scores',
  featureValue: 'ml_feature_value',
  modelInfo: 'ml_model_info',
  activeRequests: 'ml_active_requests',
  featuresImputed: 'ml_features_imputed_total',
  requestsRejected: 'ml_requests_rejected_total',
  requestsShed: 'ml_requests_shed_total',
  httpDuration: 'http_server_request_duration_seconds',
  rpcDuration: 'rpc_server_call_duration_seconds',
  spans: 'ml_otel_spans_total',
  spanQueue: 'ml_otel_span_queue_size',
  driftScore: 'ml_drift_score',
  driftStatistic: 'ml_drift_statistic',
  driftPValue: 'ml_drift_p_value',
  driftThreshold: 'ml_drift_threshold',
  driftDetected: 'ml_drift_detected',
  driftFeatureDetected: 'ml_drift_feature_detected',
  driftPsi: 'ml_drift_psi',
  driftMissingRatio: 'ml_drift_missing_ratio',
  driftUnseenRatio: 'ml_drift_unseen_ratio',
  driftDatasetShare: 'ml_drift_dataset_share',
  driftDatasetDetected: 'ml_drift_dataset_detected',
  driftPredictionScore: 'ml_drift_prediction_score',
  driftPredictionDetected: 'ml_drift_prediction_detected',
  driftWindowRows: 'ml_drift_window_rows',
  driftLastSuccess: 'ml_drift_last_success_timestamp_seconds',
  driftEvaluationDuration: 'ml_drift_evaluation_duration_seconds',
  driftRuns: 'ml_drift_runs_total',
  driftBinRows: 'ml_drift_bin_rows_total',
  driftReferenceBinRatio: 'ml_drift_reference_bin_ratio',
  driftBinUpperEdge: 'ml_drift_bin_upper_edge',
  predictionDecisions: 'ml_prediction_decisions_total',
  predictionExpectedPositives: 'ml_prediction_expected_positives_total',
  feedbackLabels: 'ml_feedback_labels_total',
  feedbackBucketLabels: 'ml_feedback_bucket_labels_total',
  feedbackPositivesAbove: 'ml_feedback_positives_above_total',
  feedbackBucketScoreSum: 'ml_feedback_bucket_score_sum_total',
  feedbackSquaredError: 'ml_feedback_squared_error_total',
  feedbackLabelDelay: 'ml_feedback_label_delay_seconds',
  feedback: 'ml_feedback_total',
  modelDecisionThreshold: 'ml_model_decision_threshold',
  modelReferencePerformance: 'ml_model_reference_performance',
  modelPerformanceMargin: 'ml_model_performance_margin',
  modelPerformanceMinLabels: 'ml_model_performance_min_labels',
  modelPerformanceMinPositives: 'ml_model_performance_min_positives',
} as const;

/** Seed buckets, verbatim from the exercise. */
const PREDICTION_DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0];
const SCORE_BUCKETS = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0];
const CONFIDENCE_BUCKETS = [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0];
const FEATURE_BUCKETS = [0, 10, 50, 100, 500, 1000, 5000, 10000];
/**
 * The OpenTelemetry semantic-convention boundaries for http.server.request.duration, with three
 * sub-5 ms boundaries in front: this service answers in about a millisecond, and a latency SLO
 * needs a bucket at its threshold.
 */
const HTTP_DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

const MODEL_LABELS = ['model_name', 'model_version'] as const;
const DRIFT_FEATURE_LABELS = [...MODEL_LABELS, 'feature_name'] as const;
const DRIFT_TEST_LABELS = [...DRIFT_FEATURE_LABELS, 'stattest'] as const;
const DRIFT_BIN_LABELS = [...DRIFT_FEATURE_LABELS, 'bin'] as const;

/** HTTP methods kept as label values; anything else is "_OTHER", as the semantic conventions say. */
export const KNOWN_HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'CONNECT', 'TRACE'] as const;

/**
 * gRPC status codes by name, in the order of their numbers (0-16, grpc/doc/statuscodes.md): the
 * values of `rpc_status_code`, as the RPC semantic conventions allow for `rpc.status_code`.
 */
export const GRPC_STATUS_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
] as const;

export const PREDICTION_STATUSES = ['success', 'error'] as const;
/** Why a request was shed with 503 (see the load-shedding settings). */
export const SHED_REASONS = ['event_loop_delay', 'heap_used'] as const;
/** `rate_limited`: traces refused by TRACES_MAX_SAMPLED_PER_SECOND, counted once each (at the root span). */
export const SPAN_OUTCOMES = ['exported', 'failed', 'dropped', 'rate_limited'] as const;
export const DRIFT_RUN_OUTCOMES = ['success', 'skipped', 'failed'] as const;
/**
 * Drift tests by Evidently's names, then the tolerance method's minimum-effect tests
 * (src/drift/stats/stattest.ts): the only values of the `stattest` label.
 */
export const DRIFT_STATTESTS = [
  'ks',
  'wasserstein',
  'jensenshannon',
  'chisquare',
  'z',
  'psi',
  'ks_excess',
  'tv_excess',
  'outlier_share',
  'missing_share',
] as const;
/** A decision (score > the model's threshold) or a label: the values of `predicted` and `label`. */
export const CLASSES = ['positive', 'negative'] as const;
/** What became of one feedback item; every refusal has its error code (README, Errors). */
export const FEEDBACK_OUTCOMES = ['accepted', 'malformed', 'invalid', 'expired', 'model_not_loaded', 'invalid_label'] as const;
export type FeedbackOutcome = (typeof FEEDBACK_OUTCOMES)[number];
/** Reference figures exported per model, by the `metric` label's value (the keys of PerformanceDescriptor.reference). */
export const REFERENCE_METRICS = {
  roc_auc: 'rocAuc',
  precision: 'precision',
  recall: 'recall',
  f1: 'f1',
  positive_rate: 'positiveRate',
  brier: 'brier',
  ece: 'ece',
} as const;
/** The figures an alert compares with their reference, by the `metric` label's value. */
export const MARGIN_METRICS = { roc_auc: 'rocAuc', precision: 'precision', recall: 'recall', f1: 'f1' } as const;
/**
 * Label delay, prediction to feedback: a minute to the default 30-day horizon, with the steps
 * fraud labels arrive at (an analyst within the hour, a chargeback in days or weeks).
 */
const LABEL_DELAY_BUCKETS = [60, 300, 900, 3600, 21_600, 86_400, 259_200, 604_800, 1_209_600, 2_592_000];
/** Drift evaluations take milliseconds to seconds. */
const DRIFT_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * A model's performance settings (model/performance-file.ts `ModelPerformance`, declared here
 * structurally because telemetry does not import model/): the decision threshold and score buckets
 * the counters use, and the reference figures and alerting settings exported as constant gauges.
 */
export interface PerformanceDescriptor {
  /** Predicted positive <=> score > threshold. */
  readonly decisionThreshold: number;
  /** Upper edges, ascending, the last one 1: a score <= edge (and above the previous one) is in that bucket. */
  readonly scoreBuckets: readonly number[];
  readonly reference?: { readonly [K in (typeof REFERENCE_METRICS)[keyof typeof REFERENCE_METRICS]]: number };
  readonly alerting: {
    readonly minLabels: number;
    readonly minPositives: number;
    readonly margins: { readonly [K in (typeof MARGIN_METRICS)[keyof typeof MARGIN_METRICS]]: number };
  };
}

/** What metrics need to know about a loaded model (telemetry does not import the model module). */
export interface ModelDescriptor {
  readonly name: string;
  readonly version: string;
  readonly framework: string;
  readonly features: readonly { readonly name: string; readonly type: 'numeric' | 'categorical' }[];
  /** Without it (a model described for a test of other metrics), the model has no decision, feedback or reference series. */
  readonly performance?: PerformanceDescriptor;
}

/** A score bucket's `bucket` label value: its upper edge as JavaScript prints it (1, 0.05, 1e-7). */
export const bucketLabel = (edge: number): string => String(edge);

export interface Metrics {
  readonly predictions: CounterFamily;
  readonly predictionDuration: HistogramFamily;
  readonly predictionScores: HistogramFamily;
  readonly confidenceScores: HistogramFamily;
  readonly featureValue: HistogramFamily;
  readonly modelInfo: GaugeFamily;
  readonly activeRequests: GaugeFamily;
  readonly featuresImputed: CounterFamily;
  readonly requestsRejected: CounterFamily;
  readonly requestsShed: CounterFamily;
  readonly httpDuration: HistogramFamily;
  readonly rpcDuration: HistogramFamily;
  readonly spans: CounterFamily;
  readonly spanQueue: GaugeFamily;
  readonly driftScore: GaugeFamily;
  readonly driftStatistic: GaugeFamily;
  readonly driftPValue: GaugeFamily;
  readonly driftThreshold: GaugeFamily;
  readonly driftDetected: GaugeFamily;
  readonly driftFeatureDetected: GaugeFamily;
  readonly driftPsi: GaugeFamily;
  readonly driftMissingRatio: GaugeFamily;
  readonly driftUnseenRatio: GaugeFamily;
  readonly driftDatasetShare: GaugeFamily;
  readonly driftDatasetDetected: GaugeFamily;
  readonly driftPredictionScore: GaugeFamily;
  readonly driftPredictionDetected: GaugeFamily;
  readonly driftWindowRows: GaugeFamily;
  readonly driftLastSuccess: GaugeFamily;
  readonly driftEvaluationDuration: HistogramFamily;
  readonly driftRuns: CounterFamily;
  readonly driftBinRows: CounterFamily;
  readonly driftReferenceBinRatio: GaugeFamily;
  readonly driftBinUpperEdge: GaugeFamily;
  readonly predictionDecisions: CounterFamily;
  readonly predictionExpectedPositives: CounterFamily;
  readonly feedbackLabels: CounterFamily;
  readonly feedbackBucketLabels: CounterFamily;
  readonly feedbackPositivesAbove: CounterFamily;
  readonly feedbackBucketScoreSum: CounterFamily;
  readonly feedbackSquaredError: CounterFamily;
  readonly feedbackLabelDelay: HistogramFamily;
  readonly feedback: CounterFamily;
  readonly modelDecisionThreshold: GaugeFamily;
  readonly modelReferencePerformance: GaugeFamily;
  readonly modelPerformanceMargin: GaugeFamily;
  readonly modelPerformanceMinLabels: GaugeFamily;
  readonly modelPerformanceMinPositives: GaugeFamily;
  /** Render everything in one exposition format. */
  render(format: ExpositionFormat): Promise<string>;
  readonly contentType: Record<ExpositionFormat, string>;
}

export interface MetricsOptions {
  readonly models: readonly ModelDescriptor[];
  /** Closed set of rejection reasons (the 4xx error codes). */
  readonly rejectionReasons: readonly string[];
  /** Drift monitoring on: its per-model series exist from the start. */
  readonly drift?: boolean;
  /** Fully qualified names of the RPCs served (gRPC on): each one's `OK` series exists from the start. */
  readonly rpcMethods?: readonly string[];
}

/**
 * Create the metrics and two registries, one per exposition format, over the same series.
 * No global registry: tests build as many apps as they like in one process.
 */
export function createMetrics(options: MetricsOptions): Metrics {
  const m = {
    predictions: new CounterFamily(METRIC_NAMES.predictions, 'Total number of predictions', ['model_name', 'model_version', 'status']),
    predictionDuration: new HistogramFamily(
      METRIC_NAMES.predictionDuration,
      'Time spent making predictions',
      ['model_name', 'model_version'],
      PREDICTION_DURATION_BUCKETS,
    ),
    predictionScores: new HistogramFamily(
      METRIC_NAMES.predictionScores,
      'Distribution of prediction scores',
      ['model_name', 'model_version'],
      SCORE_BUCKETS,
    ),
    confidenceScores: new HistogramFamily(
      METRIC_NAMES.confidenceScores,
      'Model confidence distribution',
      ['model_name', 'model_version'],
      CONFIDENCE_BUCKETS,
    ),
    featureValue: new HistogramFamily(
      METRIC_NAMES.featureValue,
      'Feature value distribution',
      ['model_name', 'feature_name'],
      FEATURE_BUCKETS,
    ),
    modelInfo: new GaugeFamily(METRIC_NAMES.modelInfo, 'Model information', ['model_name', 'model_version', 'framework']),
    activeRequests: new GaugeFamily(METRIC_NAMES.activeRequests, 'Currently processing requests', []),
    featuresImputed: new CounterFamily(
      METRIC_NAMES.featuresImputed,
      'Feature values filled from the model schema because the request omitted them',
      ['model_name', 'model_version', 'feature_name'],
    ),
    requestsRejected: new CounterFamily(METRIC_NAMES.requestsRejected, 'Requests refused with a 4xx status, by reason', ['reason']),
    requestsShed: new CounterFamily(METRIC_NAMES.requestsShed, 'Requests answered 503 because the process was overloaded, by reason', [
      'reason',
    ]),
    httpDuration: new HistogramFamily(
      METRIC_NAMES.httpDuration,
      'Duration of HTTP server requests.',
      ['http_request_method', 'http_route', 'http_response_status_code'],
      HTTP_DURATION_BUCKETS,
    ),
    // The RPC semantic conventions' rpc.server.call.duration (seconds), with HTTP's buckets: one
    // series per RPC and status, so that rate, errors and duration all come from this one family.
    rpcDuration: new HistogramFamily(
      METRIC_NAMES.rpcDuration,
      'Duration of RPCs served over gRPC.',
      ['rpc_method', 'rpc_status_code'],
      HTTP_DURATION_BUCKETS,
    ),
    spans: new CounterFamily(METRIC_NAMES.spans, 'Sampled spans handed to the OTLP exporter, by outcome', ['outcome']),
    spanQueue: new GaugeFamily(METRIC_NAMES.spanQueue, 'Spans waiting in the batch span processor queue', []),
    driftScore: new GaugeFamily(
      METRIC_NAMES.driftScore,
      'Drift score of a feature by test, as Evidently reports it: the p-value for ks, chisquare and z; the distance otherwise',
      DRIFT_TEST_LABELS,
    ),
    driftStatistic: new GaugeFamily(METRIC_NAMES.driftStatistic, 'Test statistic of a feature drift test', DRIFT_TEST_LABELS),
    driftPValue: new GaugeFamily(METRIC_NAMES.driftPValue, 'p-value of a feature drift test (tests that have one)', DRIFT_TEST_LABELS),
    driftThreshold: new GaugeFamily(METRIC_NAMES.driftThreshold, 'Threshold the drift score is compared with', DRIFT_TEST_LABELS),
    driftDetected: new GaugeFamily(METRIC_NAMES.driftDetected, '1 if this test finds the feature drifted', DRIFT_TEST_LABELS),
    driftFeatureDetected: new GaugeFamily(
      METRIC_NAMES.driftFeatureDetected,
      '1 if the feature is drifted under DRIFT_METHOD',
      DRIFT_FEATURE_LABELS,
    ),
    driftPsi: new GaugeFamily(
      METRIC_NAMES.driftPsi,
      'Population stability index of the window against the reference',
      DRIFT_FEATURE_LABELS,
    ),
    driftMissingRatio: new GaugeFamily(
      METRIC_NAMES.driftMissingRatio,
      'Share of window rows where the client omitted the feature',
      DRIFT_FEATURE_LABELS,
    ),
    driftUnseenRatio: new GaugeFamily(
      METRIC_NAMES.driftUnseenRatio,
      'Share of window values of a categorical feature absent from the reference sample',
      DRIFT_FEATURE_LABELS,
    ),
    driftDatasetShare: new GaugeFamily(METRIC_NAMES.driftDatasetShare, 'Share of features drifted under DRIFT_METHOD', MODEL_LABELS),
    driftDatasetDetected: new GaugeFamily(
      METRIC_NAMES.driftDatasetDetected,
      '1 if the dataset is drifted under DRIFT_METHOD',
      MODEL_LABELS,
    ),
    driftPredictionScore: new GaugeFamily(
      METRIC_NAMES.driftPredictionScore,
      'Drift score of the model output against its scores of the reference data',
      [...MODEL_LABELS, 'stattest'],
    ),
    driftPredictionDetected: new GaugeFamily(METRIC_NAMES.driftPredictionDetected, '1 if the model output has drifted', MODEL_LABELS),
    driftWindowRows: new GaugeFamily(METRIC_NAMES.driftWindowRows, 'Rows in the live window of the last drift evaluation', MODEL_LABELS),
    driftLastSuccess: new GaugeFamily(METRIC_NAMES.driftLastSuccess, 'Unix time of the last successful drift evaluation', MODEL_LABELS),
    driftEvaluationDuration: new HistogramFamily(
      METRIC_NAMES.driftEvaluationDuration,
      'Time to evaluate drift for one model, in the worker thread',
      MODEL_LABELS,
      DRIFT_DURATION_BUCKETS,
    ),
    driftRuns: new CounterFamily(METRIC_NAMES.driftRuns, 'Scheduled drift evaluations by outcome', [...MODEL_LABELS, 'outcome']),
    driftBinRows: new CounterFamily(
      METRIC_NAMES.driftBinRows,
      'Scored rows by the bin of a feature value, in bins fixed from the reference (summable over replicas)',
      DRIFT_BIN_LABELS,
    ),
    driftReferenceBinRatio: new GaugeFamily(
      METRIC_NAMES.driftReferenceBinRatio,
      "The reference's share per bin: value bins among its non-missing values, missing among all its rows",
      DRIFT_BIN_LABELS,
    ),
    driftBinUpperEdge: new GaugeFamily(
      METRIC_NAMES.driftBinUpperEdge,
      'Upper edge (inclusive) of a numeric feature bin; the last bin is open and has none',
      DRIFT_BIN_LABELS,
    ),
    predictionDecisions: new CounterFamily(
      METRIC_NAMES.predictionDecisions,
      "Scored rows by decision at the model's threshold (positive: score > threshold)",
      [...MODEL_LABELS, 'predicted'],
    ),
    predictionExpectedPositives: new CounterFamily(
      METRIC_NAMES.predictionExpectedPositives,
      'Sum of the scores of scored rows by decision: the positives expected if the model is calibrated (CBPE)',
      [...MODEL_LABELS, 'predicted'],
    ),
    feedbackLabels: new CounterFamily(
      METRIC_NAMES.feedbackLabels,
      'Labels accepted by POST /feedback, by label and by the decision the prediction made (the confusion matrix)',
      [...MODEL_LABELS, 'label', 'predicted'],
    ),
    feedbackBucketLabels: new CounterFamily(
      METRIC_NAMES.feedbackBucketLabels,
      "Labels accepted, by label and by the score bucket of the prediction (not cumulative; bucket = the bucket's upper edge)",
      [...MODEL_LABELS, 'label', 'bucket'],
    ),
    feedbackPositivesAbove: new CounterFamily(
      METRIC_NAMES.feedbackPositivesAbove,
      "Positive labels whose prediction's score is above this bucket's upper edge (for ROC AUC from buckets)",
      [...MODEL_LABELS, 'bucket'],
    ),
    feedbackBucketScoreSum: new CounterFamily(
      METRIC_NAMES.feedbackBucketScoreSum,
      'Sum of the scores of labelled predictions in this score bucket (for the expected calibration error)',
      [...MODEL_LABELS, 'bucket'],
    ),
    feedbackSquaredError: new CounterFamily(
      METRIC_NAMES.feedbackSquaredError,
      'Sum of (score - label)^2 over labelled predictions (the Brier score numerator)',
      MODEL_LABELS,
    ),
    feedbackLabelDelay: new HistogramFamily(
      METRIC_NAMES.feedbackLabelDelay,
      'Time from a prediction to its label, as the label is accepted',
      MODEL_LABELS,
      LABEL_DELAY_BUCKETS,
    ),
    feedback: new CounterFamily(METRIC_NAMES.feedback, 'Feedback items by outcome: accepted, or why refused', ['outcome']),
    modelDecisionThreshold: new GaugeFamily(
      METRIC_NAMES.modelDecisionThreshold,
      'Decision threshold of the model: predicted positive <=> score > threshold',
      MODEL_LABELS,
    ),
    modelReferencePerformance: new GaugeFamily(
      METRIC_NAMES.modelReferencePerformance,
      "The model's figures on its holdout at its decision threshold (performance.json)",
      [...MODEL_LABELS, 'metric'],
    ),
    modelPerformanceMargin: new GaugeFamily(
      METRIC_NAMES.modelPerformanceMargin,
      'How far below its reference a realised figure may fall before the performance alert fires',
      [...MODEL_LABELS, 'metric'],
    ),
    modelPerformanceMinLabels: new GaugeFamily(
      METRIC_NAMES.modelPerformanceMinLabels,
      'Labels needed in the window before the performance alert may fire',
      MODEL_LABELS,
    ),
    modelPerformanceMinPositives: new GaugeFamily(
      METRIC_NAMES.modelPerformanceMinPositives,
      'Positive labels needed in the window before the performance alert may fire',
      MODEL_LABELS,
    ),
  };

  // Every series a dashboard or alert divides by exists from the start, at zero.
  for (const model of options.models) {
    for (const status of PREDICTION_STATUSES) m.predictions.labels(model.name, model.version, status);
    m.predictionDuration.labels(model.name, model.version);
    m.predictionScores.labels(model.name, model.version);
    m.confidenceScores.labels(model.name, model.version);
    m.modelInfo.labels(model.name, model.version, model.framework).set(1);
    for (const feature of model.features) {
      m.featuresImputed.labels(model.name, model.version, feature.name);
      if (feature.type === 'numeric') m.featureValue.labels(model.name, feature.name);
    }
  }
  if (options.drift) {
    for (const model of options.models) {
      for (const outcome of DRIFT_RUN_OUTCOMES) m.driftRuns.labels(model.name, model.version, outcome);
      m.driftWindowRows.labels(model.name, model.version);
      // 0 until the first success: an evaluation that never succeeds shows as stale, not as absent.
      m.driftLastSuccess.labels(model.name, model.version);
      m.driftEvaluationDuration.labels(model.name, model.version);
    }
  }
  for (const model of options.models) {
    const performance = model.performance;
    if (performance === undefined) continue;
    const { name, version } = model;
    for (const c of CLASSES) {
      m.predictionDecisions.labels(name, version, c);
      m.predictionExpectedPositives.labels(name, version, c);
      for (const predicted of CLASSES) m.feedbackLabels.labels(name, version, c, predicted);
    }
    for (const edge of performance.scoreBuckets) {
      const bucket = bucketLabel(edge);
      for (const label of CLASSES) m.feedbackBucketLabels.labels(name, version, label, bucket);
      m.feedbackPositivesAbove.labels(name, version, bucket);
      m.feedbackBucketScoreSum.labels(name, version, bucket);
    }
    m.feedbackSquaredError.labels(name, version);
    m.feedbackLabelDelay.labels(name, version);
    m.modelDecisionThreshold.labels(name, version).set(performance.decisionThreshold);
    const { reference, alerting } = performance;
    // The threshold is always the one the counters use; the rest only describes a reference to
    // compare with, and a model without one (no performance.json) exports none of it.
    if (reference === undefined) continue;
    for (const [metric, key] of Object.entries(REFERENCE_METRICS)) {
      m.modelReferencePerformance.labels(name, version, metric).set(reference[key]);
    }
    for (const [metric, key] of Object.entries(MARGIN_METRICS)) {
      m.modelPerformanceMargin.labels(name, version, metric).set(alerting.margins[key]);
    }
    m.modelPerformanceMinLabels.labels(name, version).set(alerting.minLabels);
    m.modelPerformanceMinPositives.labels(name, version).set(alerting.minPositives);
  }
  for (const outcome of FEEDBACK_OUTCOMES) m.feedback.labels(outcome);
  for (const reason of options.rejectionReasons) m.requestsRejected.labels(reason);
  for (const reason of SHED_REASONS) m.requestsShed.labels(reason);
  for (const outcome of SPAN_OUTCOMES) m.spans.labels(outcome);
  for (const method of options.rpcMethods ?? []) m.rpcDuration.labels(method, 'OK');
  m.activeRequests.labels();
  m.spanQueue.labels();

  const families = Object.values(m);
  // (prom-client's typings omit the constructor's content-type argument; setContentType is typed.)
  const openmetrics = new Registry<OpenMetricsContentType>();
  openmetrics.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  const registries = { text: new Registry(), openmetrics } as const;
  for (const format of ['text', 'openmetrics'] as const) {
    const registry = registries[format];
    // prom-client's registry takes any object of this shape; its typings only name its own classes.
    for (const family of families) registry.registerMetric(family.view(format) as unknown as Parameters<Registry['registerMetric']>[0]);
    collectDefaultMetrics({ register: registry });
    // prom-client also exports these three gauges with a counter's "_total" suffix, which
    // `promtool check metrics` rejects; the same values stay as nodejs_active_{handles,requests,resources}.
    for (const duplicate of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
      registry.removeSingleMetric(duplicate);
    }
  }

  return {
    ...m,
    render: (format) => renderExposition(registries[format], format),
    contentType: { text: registries.text.contentType, openmetrics: registries.openmetrics.contentType },
  };
}

export type { ExpositionFormat, PromClientMetricView };
