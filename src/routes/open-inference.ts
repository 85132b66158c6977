import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { ModelRegistry } from '../model/index.js';
import { scoreSummary, type PredictionPipeline } from '../prediction/pipeline.js';
import {
  flattenJsonData,
  selectOutputs,
  v2Encoder,
  v2ModelMetadata,
  v2Outputs,
  v2RowCount,
  versionsByName,
  type V2InputTensor,
  type V2OutputName,
} from '../prediction/v2-tensors.js';
import type { Readiness } from '../readiness.js';
import { noRouteError, type ErrorResponder } from './error-handler.js';

export interface OpenInferenceRoutesOptions {
  readonly pipeline: PredictionPipeline;
  readonly registry: ModelRegistry;
  readonly readiness: Readiness;
  readonly errors: ErrorResponder;
  readonly maxBatchSize: number;
  /** Server metadata: `name` and `version` (the package's). */
  readonly server: { readonly name: string; readonly version: string };
}

/** Path parameters of the model routes; a version absent from the path is chosen like /predict's `model_version`. */
interface ModelParams {
  model_name: string;
  model_version?: string;
}

type Parameters = Record<string, string | number | boolean>;
interface InferenceRequest {
  id?: string;
  parameters?: Parameters;
  inputs: { name: string; shape: number[]; datatype: string; parameters?: Parameters; data: unknown[] }[];
  outputs?: { name: string; parameters?: Parameters }[];
}

/** `$parameters`: values are a string, a number or a boolean (the specification's Parameters). */
const parameters = {
  type: 'object',
  // anyOf rather than a union `type`, which ajv's strict mode warns about on stderr at startup.
  additionalProperties: { anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] },
} as const;

/**
 * `$inference_request`. Only the envelope is checked here; each input's shape, datatype and data
 * are left to the decoder (prediction/v2-tensors.ts), whose errors name the input rather than its
 * position.
 */
const inferenceRequestSchema = {
  type: 'object',
  required: ['inputs'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', maxLength: 1024 },
    parameters,
    inputs: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'shape', 'datatype', 'data'],
        additionalProperties: false,
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 128 },
          shape: { type: 'array' },
          datatype: { type: 'string', maxLength: 16 },
          parameters,
          data: { type: 'array' },
        },
      },
    },
    outputs: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name'],
        additionalProperties: false,
        properties: { name: { type: 'string', minLength: 1, maxLength: 128 }, parameters },
      },
    },
  },
} as const;

const log = (request: FastifyRequest): Logger => request.log as Logger;

/**
 * The Open Inference Protocol (KServe V2) over REST, registered under /v2: health, server and
 * model metadata, inference. Inference goes through the same pipeline as /predict; every error is
 * the protocol's `{"error": "..."}` with the catalogue's status and counting.
 */
export const openInferenceRoutes: FastifyPluginAsync<OpenInferenceRoutesOptions> = async (app, options) => {
  const { pipeline, registry, readiness, errors, maxBatchSize, server } = options;
  const versions = versionsByName(registry.list());
  const selectorOf = (params: ModelParams) => ({ name: params.model_name, version: params.model_version });

  app.setErrorHandler((error, request, reply) => errors.sendOpenInference(request, reply, error as Error));
  app.setNotFoundHandler((request, reply) => errors.sendOpenInference(request, reply, noRouteError(request)));

  // Server Live: the process answers (the Kubernetes livenessProbe).
  app.get('/health/live', async () => ({ live: true }));

  // Server Ready: every model loaded and the service not starting or draining (the readinessProbe,
  // so not ready must be a status a probe counts as failure: 503, as GET /ready).
  app.get('/health/ready', async (_request, reply) => {
    if (readiness.ready) return { ready: true };
    return reply.code(503).send({ ready: false });
  });

  const modelReady = async (request: FastifyRequest<{ Params: ModelParams }>, reply: FastifyReply) => {
    try {
      const model = pipeline.resolveModel(selectorOf(request.params));
      if (readiness.ready) return { name: model.name, ready: true };
      return reply.code(503).send({ name: model.name, ready: false });
    } catch (err) {
      return errors.sendOpenInference(request, reply, err as Error);
    }
  };
  app.get<{ Params: ModelParams }>('/models/:model_name/ready', modelReady);
  app.get<{ Params: ModelParams }>('/models/:model_name/versions/:model_version/ready', modelReady);

  // Server Metadata (`/v2` and `/v2/`: the REST document says v2, its OpenAPI file /v2/).
  const serverMetadata = { name: server.name, version: server.version, extensions: [] as string[] };
  app.get('/', async () => serverMetadata);

  const modelMetadata = async (request: FastifyRequest<{ Params: ModelParams }>, reply: FastifyReply) => {
    try {
      const model = pipeline.resolveModel(selectorOf(request.params));
      return v2ModelMetadata(model, versions.get(model.name) ?? [model.version]);
    } catch (err) {
      return errors.sendOpenInference(request, reply, err as Error);
    }
  };
  app.get<{ Params: ModelParams }>('/models/:model_name', modelMetadata);
  app.get<{ Params: ModelParams }>('/models/:model_name/versions/:model_version', modelMetadata);

  const infer = async (request: FastifyRequest<{ Params: ModelParams; Body: InferenceRequest }>, reply: FastifyReply) => {
    if (request.validationError) return errors.sendOpenInference(request, reply, request.validationError);
    try {
      const body = request.body;
      const inputs: V2InputTensor[] = body.inputs.map((input) => ({
        name: input.name,
        datatype: input.datatype,
        shape: input.shape,
        data: flattenJsonData(input.name, input.data),
      }));
      const decode = v2Encoder(inputs, { maxBatchSize });
      let names: readonly V2OutputName[] = [];
      const scored = await pipeline.score(
        log(request),
        selectorOf(request.params),
        v2RowCount(inputs),
        // The model first (404), then the inputs, then the outputs asked for, all before the model runs.
        (model) => {
          const encoded = decode(model);
          names = selectOutputs(body.outputs);
          return encoded;
        },
      );
      const { model, rows, scores, latencyMs } = scored;
      const outputs = v2Outputs(scored, names, pipeline.issueIds);
      pipeline.logCompleted(log(request), model, latencyMs, () => ({ protocol: 'v2', rows, ...scoreSummary(scores, rows) }));
      return {
        model_name: model.name,
        model_version: model.version,
        ...(body.id !== undefined && { id: body.id }),
        // In the order of the specification's $response_output.
        outputs: outputs.map((o) => ({
          name: o.name,
          shape: o.shape,
          datatype: o.datatype,
          data: o.datatype === 'FP32' ? Array.from(o.data) : o.data,
        })),
      };
    } catch (err) {
      pipeline.recordFailure(err);
      return errors.sendOpenInference(request, reply, err as Error, 'prediction_failed');
    }
  };
  const inferOptions = { attachValidation: true, schema: { body: inferenceRequestSchema } };
  app.post<{ Params: ModelParams; Body: InferenceRequest }>('/models/:model_name/infer', inferOptions, infer);
  app.post<{ Params: ModelParams; Body: InferenceRequest }>('/models/:model_name/versions/:model_version/infer', inferOptions, infer);
};
