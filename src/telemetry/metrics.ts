import { collectDefaultMetrics, Registry, type OpenMetricsContentType } from 'prom-client';
import {
  CounterFamily,
  GaugeFamily,
  HistogramFamily,
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
  httpDuration: 'http_server_request_duration_seconds',
  spans: 'ml_otel_spans_total',
  spanQueue: 'ml_otel_span_queue_size',
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

/** HTTP methods kept as label values; anything else is "_OTHER", as the semantic conventions say. */
export const KNOWN_HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'CONNECT', 'TRACE'] as const;

export const PREDICTION_STATUSES = ['success', 'error'] as const;
export const SPAN_OUTCOMES = ['exported', 'failed', 'dropped'] as const;

/** What metrics need to know about a loaded model (telemetry does not import the model module). */
export interface ModelDescriptor {
  readonly name: string;
  readonly version: string;
  readonly framework: string;
  readonly features: readonly { readonly name: string; readonly type: 'numeric' | 'categorical' }[];
}

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
  readonly httpDuration: HistogramFamily;
  readonly spans: CounterFamily;
  readonly spanQueue: GaugeFamily;
  /** Render everything in one exposition format. */
  render(format: ExpositionFormat): Promise<string>;
  readonly contentType: Record<ExpositionFormat, string>;
}

export interface MetricsOptions {
  readonly models: readonly ModelDescriptor[];
  /** Closed set of rejection reasons (the 4xx error codes). */
  readonly rejectionReasons: readonly string[];
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
    featureValue: new HistogramFamily(METRIC_NAMES.featureValue, 'Feature value distribution', ['model_name', 'feature_name'], FEATURE_BUCKETS),
    modelInfo: new GaugeFamily(METRIC_NAMES.modelInfo, 'Model information', ['model_name', 'model_version', 'framework']),
    activeRequests: new GaugeFamily(METRIC_NAMES.activeRequests, 'Currently processing requests', []),
    featuresImputed: new CounterFamily(
      METRIC_NAMES.featuresImputed,
      'Feature values filled from the model schema because the request omitted them',
      ['model_name', 'model_version', 'feature_name'],
    ),
    requestsRejected: new CounterFamily(METRIC_NAMES.requestsRejected, 'Requests refused with a 4xx status, by reason', ['reason']),
    httpDuration: new HistogramFamily(
      METRIC_NAMES.httpDuration,
      'Duration of HTTP server requests.',
      ['http_request_method', 'http_route', 'http_response_status_code'],
      HTTP_DURATION_BUCKETS,
    ),
    spans: new CounterFamily(METRIC_NAMES.spans, 'Sampled spans handed to the OTLP exporter, by outcome', ['outcome']),
    spanQueue: new GaugeFamily(METRIC_NAMES.spanQueue, 'Spans waiting in the batch span processor queue', []),
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
  for (const reason of options.rejectionReasons) m.requestsRejected.labels(reason);
  for (const outcome of SPAN_OUTCOMES) m.spans.labels(outcome);
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
    render: (format) => registries[format].metrics(),
    contentType: { text: registries.text.contentType, openmetrics: registries.openmetrics.contentType },
  };
}

export type { ExpositionFormat, PromClientMetricView };
