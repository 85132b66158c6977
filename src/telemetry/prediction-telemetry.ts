import type { CounterSeries, GaugeSeries, HistogramSeries } from './metric-primitives.js';
import type { Metrics, ModelDescriptor } from './metrics.js';

/**
 * A model as the request path encodes it: where each feature's value sits in an encoded row.
 * Declared here, structurally, because telemetry/ does not import model/: app.ts passes the
 * model's name, version and framework with its own layout (model/feature-schema.ts `RowLayout`).
 */
export interface ModelLayout extends ModelDescriptor {
  /** Width of one encoded row. */
  readonly width: number;
  /** Schema order; a numeric feature's value is the column at `offset`. */
  readonly features: readonly (ModelDescriptor['features'][number] & { readonly offset: number })[];
}

/** Metric updates for one model, with every series bound once at startup. */
export interface PredictionRecorder {
  /**
   * `rows` rows were scored. `input` is the encoded batch (rows × width), `given[r * features + f]`
   * is 1 when the client sent feature f of row r (0: imputed). Batches observe each row.
   */
  predicted(rows: number, input: Float32Array, given: Uint8Array, scores: Float32Array, seconds: number, traceId: string | undefined): void;
  /** Scoring failed (a 5xx): counted as status="error". */
  failed(rows: number, seconds: number, traceId: string | undefined): void;
}

export interface PredictionTelemetry {
  /** A prediction request starts / ends (ml_active_requests). */
  begin(): void;
  end(): void;
  recorder(modelName: string, modelVersion: string): PredictionRecorder;
  /** A request refused with a 4xx; `reason` is one of the closed set given at creation. */
  rejected(reason: string): void;
}

const NOOP_RECORDER: PredictionRecorder = { predicted() {}, failed() {} };
export const NO_PREDICTION_TELEMETRY: PredictionTelemetry = { begin() {}, end() {}, recorder: () => NOOP_RECORDER, rejected() {} };

function observeLatency(series: HistogramSeries, seconds: number, traceId: string | undefined) {
  if (traceId === undefined) series.observe(seconds);
  else series.observeWithExemplar(seconds, traceId);
}

export function createPredictionTelemetry(
  metrics: Metrics,
  models: readonly ModelLayout[],
  rejectionReasons: readonly string[],
): PredictionTelemetry {
  const active: GaugeSeries = metrics.activeRequests.labels();
  const recorders = new Map<string, PredictionRecorder>();
  for (const model of models) {
    const { name, version } = model;
    const success: CounterSeries = metrics.predictions.labels(name, version, 'success');
    const error: CounterSeries = metrics.predictions.labels(name, version, 'error');
    const duration = metrics.predictionDuration.labels(name, version);
    const scoreHistogram = metrics.predictionScores.labels(name, version);
    const confidenceHistogram = metrics.confidenceScores.labels(name, version);
    const featureCount = model.features.length;
    // Per feature, in schema order: its value histogram (numeric only) and its imputation counter.
    const values: (HistogramSeries | undefined)[] = model.features.map((f) =>
      f.type === 'numeric' ? metrics.featureValue.labels(name, f.name) : undefined,
    );
    const imputed: CounterSeries[] = model.features.map((f) => metrics.featuresImputed.labels(name, version, f.name));
    const columns = Int32Array.from(model.features, (f) => f.offset);
    const width = model.width;
    // Decisions at the model's threshold and their summed scores (the label-free CBPE estimate);
    // NaN compares false both ways, so a row scored NaN is in neither (as in the score histogram).
    const threshold = model.performance?.decisionThreshold ?? Number.NaN;
    const decisions = model.performance && {
      positive: metrics.predictionDecisions.labels(name, version, 'positive'),
      negative: metrics.predictionDecisions.labels(name, version, 'negative'),
      expectedPositive: metrics.predictionExpectedPositives.labels(name, version, 'positive'),
      expectedNegative: metrics.predictionExpectedPositives.labels(name, version, 'negative'),
    };

    recorders.set(`${name}\u0000${version}`, {
      predicted(rows, input, given, scores, seconds, traceId) {
        success.inc(rows);
        observeLatency(duration, seconds, traceId);
        let positives = 0;
        let negatives = 0;
        let positiveScores = 0;
        let negativeScores = 0;
        for (let r = 0; r < rows; r++) {
          const p = scores[r]!;
          scoreHistogram.observe(p);
          confidenceHistogram.observe(p > 0.5 ? p : 1 - p);
          if (p > threshold) {
            positives++;
            positiveScores += p;
          } else if (p <= threshold) {
            negatives++;
            negativeScores += p;
          }
          const g = r * featureCount;
          const row = r * width;
          for (let f = 0; f < featureCount; f++) {
            if (given[g + f] === 0) imputed[f]!.inc();
            else values[f]?.observe(input[row + columns[f]!]!);
          }
        }
        if (decisions) {
          decisions.positive.inc(positives);
          decisions.negative.inc(negatives);
          decisions.expectedPositive.inc(positiveScores);
          decisions.expectedNegative.inc(negativeScores);
        }
      },
      failed(rows, seconds, traceId) {
        error.inc(rows);
        observeLatency(duration, seconds, traceId);
      },
    });
  }
  const rejected = new Map(rejectionReasons.map((reason) => [reason, metrics.requestsRejected.labels(reason)]));
  return {
    begin: () => active.inc(),
    end: () => active.dec(),
    recorder: (name, version) => recorders.get(`${name}\u0000${version}`) ?? NOOP_RECORDER,
    // Only the closed set of reasons has series; anything else would be a bug, not a new label.
    rejected: (reason) => rejected.get(reason)?.inc(),
  };
}
