import { AppError, quoteInput } from '../errors.js';
import { modelIdOf, type PredictionIdCodec } from '../feedback/prediction-id.js';
import { imputeMissing, writeGivenFeatures, type LoadedModel, type ModelRegistry } from '../model/index.js';
import type { PredictionTelemetry } from '../telemetry/prediction-telemetry.js';
import { inSpan, recordError, recordingSpan, sampledTraceId } from '../telemetry/spans.js';
import { createSuccessLogGate, type SuccessLogPolicy } from './success-log.js';

/**
 * Which model a request asks for; undefined parts take the defaults: DEFAULT_MODEL_VERSION for
 * the default model, the highest loaded version for any other.
 */
export interface ModelSelector {
  readonly name?: string | undefined;
  readonly version?: string | undefined;
}

/** Rows encoded in the model's layout (model/feature-schema.ts), before imputation. */
export interface EncodedRows {
  /** rows × schema.width float32 values; columns the request did not give are filled by the pipeline. */
  readonly input: Float32Array;
  /** rows × features: 1 where the request gave the feature, 0 where the pipeline imputes it. */
  readonly given: Uint8Array;
}

/**
 * Validates one request's rows for `model` and encodes them; throws AppError naming the field at
 * fault. Runs inside the `validate` span, after the model is resolved.
 */
export type RowEncoder = (model: LoadedModel) => EncodedRows;

/** The part of a pino logger the pipeline writes to (a Fastify request's log, or a gRPC call's child logger). */
export interface PredictionLog {
  isLevelEnabled(level: string): boolean;
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
}

export interface Scored {
  readonly model: LoadedModel;
  readonly rows: number;
  /** P(positive) per row, as the model computed it (float32). */
  readonly scores: Float32Array;
  /** Names of the features filled from the schema, per row. */
  readonly imputed: readonly (readonly string[])[];
  readonly latencyMs: number;
}

export interface PredictionPipelineOptions {
  readonly registry: ModelRegistry;
  readonly defaultModel: { readonly name: string; readonly version: string };
  readonly telemetry: PredictionTelemetry;
  /** Issues each prediction's `prediction_id` (what POST /feedback joins a label with). */
  readonly ids: PredictionIdCodec;
  /**
   * Which successful predictions get a `prediction_completed` line (success-log.ts): a share
   * (LOG_SUCCESS_SAMPLE_RATIO), at most so many a second (LOG_SUCCESS_MAX_PER_SECOND), and every
   * one slower than LOG_SLOW_REQUEST_MS or whose trace is sampled. Failures and refusals are
   * logged elsewhere, always. Default: every success.
   */
  readonly successLog?: SuccessLogPolicy;
  /** The process's logger: where lines the success-log cap held back are counted. */
  readonly processLog?: Pick<PredictionLog, 'info'>;
  /** Called with every scored batch, after the scores are computed (the drift window). */
  readonly onScored?: (model: LoadedModel, rows: number, input: Float32Array, given: Uint8Array, scores: Float32Array) => void;
}

/**
 * The one prediction pipeline behind every transport (/predict, /predict/batch, V2 REST, V2
 * gRPC): resolve the model, validate and encode the rows, impute, run ONNX, record metrics and
 * spans, feed the drift window, issue prediction ids. Transports only parse their request into a
 * RowEncoder and shape the Scored result into their response; none imports another's code.
 */
export interface PredictionPipeline {
  /** The loaded model `selector` names; AppError MODEL_NOT_FOUND (field `model_name`) listing what is loaded. */
  resolveModel(selector: ModelSelector): LoadedModel;
  /**
   * Score `rows` rows: spans `predict` > `validate`, `fetch_features`, `model_inference` (only for
   * sampled requests), ml_active_requests, the prediction metrics of every row, the drift window.
   * Throws AppError for a client's mistake (resolving the model or `encode`), anything else for a
   * failure (already counted as failed predictions).
   */
  score(log: PredictionLog, selector: ModelSelector, rows: number, encode: RowEncoder): Promise<Scored>;
  /** The RowEncoder of JSON rows (objects of feature name -> value); `fieldOf(r)` prefixes row r's error fields. */
  jsonRows(rows: readonly Readonly<Record<string, unknown>>[], fieldOf: (row: number) => string): RowEncoder;
  /** One prediction id. */
  issueId(model: LoadedModel, score: number): string;
  /** Every row's prediction id in one cipher call. */
  issueIds(model: LoadedModel, scores: Float32Array): string[];
  /**
   * The `prediction_completed` line (at info), with the model and latency and `fields()`, if this
   * prediction is logged (`successLog`): `fields` runs only then.
   */
  logCompleted(log: PredictionLog, model: LoadedModel, latencyMs: number, fields: () => Record<string, unknown>): void;
  /** Record an unexpected failure on the active span (client errors, AppError, are not recorded: not the service's fault). */
  recordFailure(error: unknown): void;
}

/** The `mean_score` and `max_score` of a batch's `prediction_completed` line (a NaN score never raises the max). */
export function scoreSummary(scores: Float32Array, rows: number): { mean_score: number; max_score: number } {
  let sum = 0;
  let max = 0;
  for (let r = 0; r < rows; r++) {
    const p = scores[r]!;
    sum += p;
    if (p > max) max = p;
  }
  return { mean_score: sum / rows, max_score: max };
}

export function createPredictionPipeline(options: PredictionPipelineOptions): PredictionPipeline {
  const { registry, defaultModel, telemetry, ids, onScored } = options;
  const gate = createSuccessLogGate(options.successLog ?? { sampleRatio: 1, maxPerSecond: 0, slowMs: Number.POSITIVE_INFINITY });
  const traced = () => sampledTraceId() !== undefined;
  const reportSuppressed = (count: number, secondStartMs: number) =>
    options.processLog?.info(
      { suppressed_lines: count, second_start: new Date(secondStartMs).toISOString() },
      'prediction_completed_suppressed',
    );
  // Bound once per model: hashing a model's name per request would cost more than signing its ids,
  // and the recorder would otherwise be looked up by a key built from name and version per request.
  const bind = (m: LoadedModel) => ({ id: modelIdOf(m.name, m.version), recorder: telemetry.recorder(m.name, m.version) });
  const bound = new Map(registry.list().map((m) => [m, bind(m)]));
  const boundFor = (model: LoadedModel) => bound.get(model) ?? bind(model);
  const nowSeconds = () => Math.floor(Date.now() / 1000);
  const loaded = registry
    .list()
    .map((m) => `${m.name}@${m.version}`)
    .join(', ');

  const resolveModel = (selector: ModelSelector): LoadedModel => {
    const name = selector.name ?? defaultModel.name;
    const version = selector.version ?? (name === defaultModel.name ? defaultModel.version : (registry.latestVersion(name) ?? ''));
    const model = registry.get(name, version);
    if (!model) {
      const what =
        selector.version === undefined && version === '' ? quoteInput(name) : `${quoteInput(name)} version ${quoteInput(version)}`;
      throw new AppError('MODEL_NOT_FOUND', `model ${what} is not loaded; loaded: ${loaded}`, 'model_name');
    }
    return model;
  };

  const score: PredictionPipeline['score'] = (log, selector, rows, encode) =>
    inSpan('predict', { 'batch.size': rows }, async (span): Promise<Scored> => {
      const started = performance.now();
      telemetry.begin();
      try {
        const { model, input, given } = inSpan('validate', {}, () => {
          const model = resolveModel(selector);
          return { model, ...encode(model) };
        });
        span?.setAttributes({ 'model.name': model.name, 'model.version': model.version });
        if (log.isLevelEnabled('debug')) {
          log.debug({ model_name: model.name, model_version: model.version, rows }, 'prediction_started');
        }
        const { schema, scorer } = model;
        const featureCount = schema.features.length;
        const imputed = inSpan('fetch_features', {}, (child) => {
          const lists: (readonly string[])[] = new Array<readonly string[]>(rows);
          for (let r = 0; r < rows; r++) lists[r] = imputeMissing(schema, input, r * schema.width, given, r * featureCount);
          if (child) {
            const names = [...new Set(lists.flat())];
            child.setAttributes({ 'features.imputed': names, 'features.imputed_count': lists.reduce((n, l) => n + l.length, 0) });
          }
          return lists;
        });
        const { recorder } = boundFor(model);
        let scores: Float32Array;
        try {
          // The JavaScript tree evaluator answers synchronously (model/tree-ensemble.ts): no await, no microtask, then.
          const result = inSpan('model_inference', { 'model.name': model.name, 'batch.size': rows }, (child) => {
            const pending = scorer.score(input, rows);
            if (!child || rows !== 1) return pending;
            const annotate = (values: Float32Array) => (child.setAttribute('prediction.score', values[0]!), values);
            return pending instanceof Promise ? pending.then(annotate) : annotate(pending);
          });
          scores = result instanceof Promise ? await result : result;
        } catch (err) {
          recorder.failed(rows, (performance.now() - started) / 1000, sampledTraceId());
          throw err;
        }
        const latencyMs = performance.now() - started;
        recorder.predicted(rows, input, given, scores, latencyMs / 1000, sampledTraceId());
        onScored?.(model, rows, input, given, scores);
        return { model, rows, scores, imputed, latencyMs };
      } finally {
        telemetry.end();
      }
    });

  return {
    resolveModel,
    score,
    jsonRows: (rows, fieldOf) => (model) => {
      const { schema } = model;
      const input = new Float32Array(rows.length * schema.width);
      const given = new Uint8Array(rows.length * schema.features.length);
      for (let r = 0; r < rows.length; r++) {
        writeGivenFeatures(schema, rows[r]!, input, r * schema.width, given, r * schema.features.length, fieldOf(r));
      }
      return { input, given };
    },
    issueId: (model, value) => ids.issue(boundFor(model).id, value, nowSeconds()),
    issueIds: (model, scores) => ids.issueAll(boundFor(model).id, scores, nowSeconds()),
    logCompleted(log, model, latencyMs, fields) {
      if (!log.isLevelEnabled('info')) return;
      const admission = gate.admit(latencyMs, traced, reportSuppressed);
      if (!admission.write) return;
      log.info(
        { model_name: model.name, model_version: model.version, latency_ms: latencyMs, ...fields(), ...admission.fields },
        'prediction_completed',
      );
    },
    recordFailure(error) {
      if (error instanceof AppError) return;
      const span = recordingSpan();
      if (span) recordError(span, error);
    },
  };
}
