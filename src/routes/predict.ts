import type { FastifyPluginAsync } from 'fastify';
import { AppError, quoteInput } from '../errors.js';
import { encodeRow, type LoadedModel, type ModelRegistry } from '../model/index.js';

export interface PredictRoutesOptions {
  readonly registry: ModelRegistry;
  readonly defaultModel: { readonly name: string; readonly version: string };
  readonly maxBatchSize: number;
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

/** POST /predict (one row) and POST /predict/batch (one ONNX run for all rows). */
export const predictRoutes: FastifyPluginAsync<PredictRoutesOptions> = async (app, options) => {
  const { registry, defaultModel, maxBatchSize } = options;
  const loaded = registry
    .list()
    .map((m) => `${m.name}@${m.version}`)
    .join(', ');

  const resolveModel = (body: ModelSelector): LoadedModel => {
    const name = body.model_name ?? defaultModel.name;
    const version =
      body.model_version ?? (name === defaultModel.name ? defaultModel.version : (registry.latestVersion(name) ?? ''));
    const model = registry.get(name, version);
    if (!model) {
      const what = body.model_version === undefined && version === '' ? quoteInput(name) : `${quoteInput(name)} version ${quoteInput(version)}`;
      throw new AppError('MODEL_NOT_FOUND', `model ${what} is not loaded; loaded: ${loaded}`, 'model_name');
    }
    return model;
  };

  app.post<{ Body: PredictBody }>(
    '/predict',
    {
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
            properties: { ...predictionProperties, model_name: { type: 'string' }, model_version: { type: 'string' } },
          },
        },
      },
    },
    async (request) => {
      const model = resolveModel(request.body);
      const input = new Float32Array(model.schema.width);
      const imputed = encodeRow(model.schema, request.body.features, input, 0, 'features');
      const scores = await model.scorer.score(input, 1);
      const prediction = scores[0]!;
      return {
        prediction,
        confidence: Math.max(prediction, 1 - prediction),
        model_name: model.name,
        model_version: model.version,
        imputed_features: imputed,
      };
    },
  );

  app.post<{ Body: BatchBody }>(
    '/predict/batch',
    {
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
              predictions: { type: 'array', items: { type: 'object', properties: predictionProperties } },
            },
          },
        },
      },
    },
    async (request) => {
      const { instances } = request.body;
      if (instances.length > maxBatchSize) {
        throw new AppError(
          'BATCH_TOO_LARGE',
          `batch of ${instances.length} rows exceeds the limit of ${maxBatchSize} (MAX_BATCH_SIZE)`,
          'instances',
        );
      }
      if (instances.length === 0) throw new AppError('EMPTY_BATCH', 'instances must hold at least one row', 'instances');
      const model = resolveModel(request.body);
      const width = model.schema.width;
      const input = new Float32Array(instances.length * width);
      const imputed = instances.map((row, i) => encodeRow(model.schema, row, input, i * width, `instances[${i}]`));
      const scores = await model.scorer.score(input, instances.length);
      return {
        model_name: model.name,
        model_version: model.version,
        predictions: imputed.map((imputedFeatures, i) => {
          const prediction = scores[i]!;
          return { prediction, confidence: Math.max(prediction, 1 - prediction), imputed_features: imputedFeatures };
        }),
      };
    },
  );
};
