import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import { scoreSummary, type PredictionPipeline } from '../prediction/pipeline.js';
import type { ErrorResponder } from './error-handler.js';

export interface PredictRoutesOptions {
  /** Resolves the model, validates, imputes, scores, records telemetry and the drift window, issues ids. */
  readonly pipeline: PredictionPipeline;
  readonly maxBatchSize: number;
  readonly errors: ErrorResponder;
  /** Share of requests whose features are logged (redaction is configured on the logger). */
  readonly payloadSampleRatio: number;
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
/** Where a row's field errors point: the one row of /predict, row r of /predict/batch. */
const singleRowField = () => 'features';
const batchRowField = (r: number) => `instances[${r}]`;
/** A request's logger as the pipeline writes to it (Fastify's logger is pino's). */
const log = (request: FastifyRequest): Logger => request.log as Logger;

const predictionId = {
  type: 'string',
  description: 'What POST /feedback takes with the label, on any replica, within the horizon',
} as const;

/** POST /predict (one row) and POST /predict/batch (one ONNX run for all rows), through the shared pipeline. */
export const predictRoutes: FastifyPluginAsync<PredictRoutesOptions> = async (app, options) => {
  const { pipeline, maxBatchSize, errors, payloadSampleRatio } = options;
  const selectorOf = (body: ModelSelector) => ({ name: body.model_name, version: body.model_version });

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
      pipeline.recordFailure(err);
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
        const { model, scores, imputed, latencyMs } = await pipeline.score(
          log(request),
          selectorOf(body),
          1,
          pipeline.jsonRows([body.features], singleRowField),
        );
        const prediction = scores[0]!;
        const confidence = Math.max(prediction, 1 - prediction);
        const id = pipeline.issueId(model, prediction);
        pipeline.logCompleted(log(request), model, latencyMs, () => ({
          prediction_id: id,
          prediction_score: prediction,
          confidence,
          ...(logPayload() && { features: body.features }),
        }));
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
        const { model, scores, imputed, latencyMs } = await pipeline.score(
          log(request),
          selectorOf(request.body),
          instances.length,
          pipeline.jsonRows(instances, batchRowField),
        );
        // Every row's id in one cipher call.
        const predictionIds = pipeline.issueIds(model, scores);
        const predictions = imputed.map((imputedFeatures, r) => {
          const prediction = scores[r]!;
          return {
            prediction,
            confidence: Math.max(prediction, 1 - prediction),
            imputed_features: imputedFeatures,
            prediction_id: predictionIds[r]!,
          };
        });
        pipeline.logCompleted(log(request), model, latencyMs, () => ({
          rows: instances.length,
          ...scoreSummary(scores, instances.length),
          ...(logPayload() && { instances }),
        }));
        return { model_name: model.name, model_version: model.version, predictions };
      }),
  );
};
