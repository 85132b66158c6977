import type { FastifyBaseLogger, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { AppError, quoteInput } from '../errors.js';
import { modelIdOf, type PredictionIdCodec } from '../feedback/prediction-id.js';
import { imputeMissing, writeGivenFeatures, type LoadedModel, type ModelRegistry } from '../model/index.js';
import type { PredictionTelemetry } from '../telemetry/prediction-telemetry.js';
import { inSpan, recordError, recordingSpan, sampledTraceId } from '../telemetry/spans.js';
import type { ErrorResponder } from './error-handler.js';

export interface PredictRoutesOptions {
  readonly registry: ModelRegistry;
  readonly defaultModel: { readonly name: string; readonly version: string };
  readonly maxBatchSize: number;
  readonly telemetry: PredictionTelemetry;
  readonly errors: ErrorResponder;
  /** Issues each prediction's `prediction_id` (what POST /feedback joins a label with). */
  readonly ids: PredictionIdCodec;
  /** Share of requests whose features are logged (redaction is configured on the logger). */
  readonly payloadSampleRatio: number;
  /** Called with every scored batch, after the response is computed (the drift window). */
  readonly onScored?: (model: LoadedModel, rows: number, input: Float32Array, given: Uint8Array, scores: Float32Array) => void;
}

interface ModelSelector {
  model_name?: string;
  model_version?: string;
}
interface PredictBody extends ModelSelector {
  features: Record<string, unknown>;
}
interface BatchBody extends ModelSelector {
  instances: Record<string, unknown>[];
}

const selectorProperties = {
  model_name: { type: 'string', minLength: 1, maxLength: 128 },
  model_version: { type: 'string', minLength: 1, maxLength: 128 },
} as const;

const predictionProperties = {
  prediction: { type: 'number', description: 'P(positive class), 0..1' },
  confidence: { type: 'number', description: 'max(prediction, 1 - prediction)' },
  imputed_features: { type: 'array', items: { type: 'string' }, description: 'Features filled from the schema' },
} as const;
const predictionId = {
  type: 'string',
  description: 'What POST /feedback takes with the label, on any replica, within the horizon',
} as const;

interface Scored {
  readonly model: LoadedModel;
  readonly scores: Float32Array;
  readonly imputed: readonly (readonly string[])[];
  readonly latencyMs: number;
}

/** POST /predict (one row) and POST /predict/batch (one ONNX run for all rows). */
export const predictRoutes: FastifyPluginAsync<PredictRoutesOptions> = async (app, options) => {
  const { registry, defaultModel, maxBatchSize, telemetry, errors, ids, payloadSampleRatio, onScored } = options;
  // Computed once: hashing a model's name per request would cost more than signing its ids.
  const modelIds = new Map(registry.list().map((m) => [m, modelIdOf(m.name, m.version)]));
  const modelIdFor = (model: LoadedModel) => modelIds.get(model) ?? modelIdOf(model.name, model.version);
  const nowSeconds = () => Math.floor(Date.now() / 1000);
  const loaded = registry
    .list()
    .map((m) => `${m.name}@${m.version}`)
    .join(', ');

  const resolveModel = (body: ModelSelector): LoadedModel => {
    const name = body.model_name ?? defaultModel.name;
    const version = body.model_version ?? (name === defaultModel.name ? defaultModel.version : (registry.latestVersion(name) ?? ''));
    const model = registry.get(name, version);
    if (!model) {
      const what =
        body.model_version === undefined && version === '' ? quoteInput(name) : `${quoteInput(name)} version ${quoteInput(version)}`;
      throw new AppError('MODEL_NOT_FOUND', `model ${what} is not loaded; loaded: ${loaded}`, 'model_name');
    }
    return model;
  };

  /**
   * The prediction pipeline shared by both routes: spans `predict` > `validate`,
   * `fetch_features`, `model_inference` (only for sampled requests), metrics for every row.
   */
  const score = (
    request: FastifyRequest,
    body: ModelSelector,
    rows: readonly Record<string, unknown>[],
    fieldOf: (row: number) => string,
  ) =>
    inSpan('predict', { 'batch.size': rows.length }, async (span): Promise<Scored> => {
      const started = performance.now();
      telemetry.begin();
      try {
        const { model, input, given } = inSpan('validate', {}, () => {
          const model = resolveModel(body);
          const { schema } = model;
          const input = new Float32Array(rows.length * schema.width);
          const given = new Uint8Array(rows.length * schema.features.length);
          for (let r = 0; r < rows.length; r++) {
            writeGivenFeatures(schema, rows[r]!, input, r * schema.width, given, r * schema.features.length, fieldOf(r));
          }
          return { model, input, given };
        });
        span?.setAttributes({ 'model.name': model.name, 'model.version': model.version });
        if ((request.log as Logger).isLevelEnabled('debug')) {
          request.log.debug({ model_name: model.name, model_version: model.version, rows: rows.length }, 'prediction_started');
        }
        const { schema, scorer } = model;
        const featureCount = schema.features.length;
        const imputed = inSpan('fetch_features', {}, (child) => {
          const lists = rows.map((_, r) => imputeMissing(schema, input, r * schema.width, given, r * featureCount));
          if (child) {
            const names = [...new Set(lists.flat())];
            child.setAttributes({ 'features.imputed': names, 'features.imputed_count': lists.reduce((n, l) => n + l.length, 0) });
          }
          return lists;
        });
        const recorder = telemetry.recorder(model.name, model.version);
        let scores: Float32Array;
        try {
          scores = await inSpan('model_inference', { 'model.name': model.name, 'batch.size': rows.length }, async (child) => {
            const result = await scorer.score(input, rows.length);
            if (rows.length === 1) child?.setAttribute('prediction.score', result[0]!);
            return result;
          });
        } catch (err) {
          recorder.failed(rows.length, (performance.now() - started) / 1000, sampledTraceId());
          throw err;
        }
        const latencyMs = performance.now() - started;
        recorder.predicted(rows.length, input, given, scores, latencyMs / 1000, sampledTraceId());
        onScored?.(model, rows.length, input, given, scores);
        return { model, scores, imputed, latencyMs };
      } finally {
        telemetry.end();
      }
    });

  /**
   * Every failure is answered here through the one error mapping: client errors are not thrown
   * (no span is marked failed for a caller's mistake), real failures are logged as
   * prediction_failed with their stack and recorded on the active span.
   */
  const handle = async <T>(request: FastifyRequest, reply: FastifyReply, work: () => Promise<T>): Promise<T | FastifyReply> => {
    if (request.validationError) return errors.send(request, reply, request.validationError);
    try {
      return await work();
    } catch (err) {
      if (!(err instanceof AppError)) {
        const span = recordingSpan();
        if (span) recordError(span, err);
      }
      return errors.send(request, reply, err as Error, 'prediction_failed');
    }
  };

  const logPayload = () => payloadSampleRatio > 0 && Math.random() < payloadSampleRatio;

  app.post<{ Body: PredictBody }>(
    '/predict',
    {
      attachValidation: true,
      schema: {
        body: {
          type: 'object',
          required: ['features'],
          additionalProperties: false,
          properties: { features: { type: 'object' }, ...selectorProperties },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              ...predictionProperties,
              model_name: { type: 'string' },
              model_version: { type: 'string' },
              prediction_id: predictionId,
            },
          },
        },
      },
    },
    (request, reply) =>
      handle(request, reply, async () => {
        const body = request.body;
        const { model, scores, imputed, latencyMs } = await score(request, body, [body.features], () => 'features');
        const prediction = scores[0]!;
        const confidence = Math.max(prediction, 1 - prediction);
        const id = ids.issue(modelIdFor(model), prediction, nowSeconds());
        logCompleted(request.log, model, latencyMs, {
          prediction_id: id,
          prediction_score: prediction,
          confidence,
          ...(logPayload() && { features: body.features }),
        });
        return {
          prediction,
          confidence,
          model_name: model.name,
          model_version: model.version,
          imputed_features: imputed[0],
          prediction_id: id,
        };
      }),
  );

  app.post<{ Body: BatchBody }>(
    '/predict/batch',
    {
      attachValidation: true,
      schema: {
        body: {
          type: 'object',
          required: ['instances'],
          additionalProperties: false,
          properties: { instances: { type: 'array', items: { type: 'object' } }, ...selectorProperties },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              model_name: { type: 'string' },
              model_version: { type: 'string' },
              predictions: {
                type: 'array',
                items: { type: 'object', properties: { ...predictionProperties, prediction_id: predictionId } },
              },
            },
          },
        },
      },
    },
    (request, reply) =>
      handle(request, reply, async () => {
        const { instances } = request.body;
        if (instances.length > maxBatchSize) {
          throw new AppError(
            'BATCH_TOO_LARGE',
            `batch of ${instances.length} rows exceeds the limit of ${maxBatchSize} (MAX_BATCH_SIZE)`,
            'instances',
          );
        }
        if (instances.length === 0) throw new AppError('EMPTY_BATCH', 'instances must hold at least one row', 'instances');
        const { model, scores, imputed, latencyMs } = await score(request, request.body, instances, (r) => `instances[${r}]`);
        let sum = 0;
        let max = 0;
        // Every row's id in one cipher call.
        const predictionIds = ids.issueAll(modelIdFor(model), scores, nowSeconds());
        const predictions = imputed.map((imputedFeatures, r) => {
          const prediction = scores[r]!;
          sum += prediction;
          if (prediction > max) max = prediction;
          return {
            prediction,
            confidence: Math.max(prediction, 1 - prediction),
            imputed_features: imputedFeatures,
            prediction_id: predictionIds[r]!,
          };
        });
        logCompleted(request.log, model, latencyMs, {
          rows: instances.length,
          mean_score: sum / instances.length,
          max_score: max,
          ...(logPayload() && { instances }),
        });
        return { model_name: model.name, model_version: model.version, predictions };
      }),
  );
};

function logCompleted(log: FastifyBaseLogger, model: LoadedModel, latencyMs: number, fields: Record<string, unknown>) {
  if (!(log as Logger).isLevelEnabled('info')) return;
  log.info({ model_name: model.name, model_version: model.version, latency_ms: latencyMs, ...fields }, 'prediction_completed');
}
