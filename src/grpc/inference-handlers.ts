import { AppError } from '../errors.js';
import type { LoadedModel, ModelRegistry } from '../model/index.js';
import { scoreSummary, type PredictionLog, type PredictionPipeline, type Scored } from '../prediction/pipeline.js';
import {
  selectOutputs,
  v2Encoder,
  v2ModelMetadata,
  v2Outputs,
  v2RowCount,
  versionsByName,
  type V2ModelMetadata,
  type V2OutputTensor,
} from '../prediction/v2-tensors.js';
import type { Readiness } from '../readiness.js';
import type { InferOutputTensor, ModelInferRequest, ModelInferResponse, NameVersionRequest } from './inference-proto.js';
import { v2Inputs } from './tensor-contents.js';

/** A call's logger: the pipeline's lines (prediction_completed) carry the call's request id. */
export type RpcLog = PredictionLog;

export interface InferenceHandlersOptions {
  readonly registry: ModelRegistry;
  readonly readiness: Readiness;
  readonly pipeline: PredictionPipeline;
  /** ServerMetadata: the same name, version and extensions as GET /v2. */
  readonly server: { readonly name: string; readonly version: string; readonly extensions: readonly string[] };
  /** MAX_BATCH_SIZE, as for every other prediction request. */
  readonly maxBatchSize: number;
}

export interface InferenceHandlers {
  serverLive(request: object, log: RpcLog): { live: boolean };
  serverReady(request: object, log: RpcLog): { ready: boolean };
  modelReady(request: NameVersionRequest, log: RpcLog): { ready: boolean };
  serverMetadata(request: object, log: RpcLog): { name: string; version: string; extensions: readonly string[] };
  modelMetadata(request: NameVersionRequest, log: RpcLog): V2ModelMetadata;
  modelInfer(request: ModelInferRequest, log: RpcLog): Promise<ModelInferResponse>;
}

/** proto3 has no "absent" for strings: an empty version means "not given". */
const given = (value: string): string | undefined => (value === '' ? undefined : value);

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** An output as raw contents: FP32 little-endian whatever the host; BYTES as 4-byte little-endian length + UTF-8. */
function rawOutput(output: V2OutputTensor): Buffer {
  if (output.datatype === 'BYTES') {
    const parts = output.data.flatMap((s) => {
      const bytes = Buffer.from(s, 'utf8');
      const length = Buffer.allocUnsafe(4);
      length.writeUInt32LE(bytes.length);
      return [length, bytes];
    });
    return Buffer.concat(parts);
  }
  const { data } = output;
  if (LITTLE_ENDIAN) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const out = Buffer.allocUnsafe(data.length * 4);
  for (let i = 0; i < data.length; i++) out.writeFloatLE(data[i]!, i * 4);
  return out;
}

/** An output with typed contents: FP32 in fp32_contents (float32 values, re-encoded exactly), BYTES in bytes_contents. */
function typedOutput(output: V2OutputTensor): InferOutputTensor {
  const { name, datatype, shape } = output;
  if (output.datatype === 'BYTES')
    return { name, datatype, shape, contents: { bytes_contents: output.data.map((s) => Buffer.from(s, 'utf8')) } };
  return { name, datatype, shape, contents: { fp32_contents: Array.from(output.data) } };
}

/**
 * The six RPCs of inference.GRPCInferenceService over the one prediction pipeline and the one V2
 * decoder (prediction/v2-tensors.ts) the REST routes use. An unknown model is NOT_FOUND
 * (the pipeline's MODEL_NOT_FOUND) for ModelReady, ModelMetadata and ModelInfer alike; an empty
 * version takes the pipeline's policy (DEFAULT_MODEL_VERSION for the default model, the highest
 * loaded version otherwise).
 */
export function createInferenceHandlers(options: InferenceHandlersOptions): InferenceHandlers {
  const { registry, readiness, pipeline, server, maxBatchSize } = options;
  const resolve = (name: string, version: string, field: string): LoadedModel => {
    if (name === '') throw new AppError('VALIDATION_ERROR', `${field}: the model name is required`, field);
    return pipeline.resolveModel({ name, version: given(version) });
  };
  const versions = versionsByName(registry.list());

  return {
    serverLive: () => ({ live: true }),
    serverReady: () => ({ ready: readiness.ready }),
    modelReady: (request) => {
      resolve(request.name, request.version, 'name');
      // A loaded model scores as soon as the process does: its session was created at startup.
      return { ready: readiness.ready };
    },
    serverMetadata: () => ({ name: server.name, version: server.version, extensions: server.extensions }),
    modelMetadata: (request) => {
      const model = resolve(request.name, request.version, 'name');
      return v2ModelMetadata(model, versions.get(model.name) ?? [model.version]);
    },
    async modelInfer(request, log) {
      if (request.model_name === '') throw new AppError('VALIDATION_ERROR', 'model_name: the model name is required', 'model_name');
      // Everything about the request's shape is refused before anything is scored.
      const names = selectOutputs(request.outputs);
      const inputs = v2Inputs(request.inputs, request.raw_input_contents);
      const rows = v2RowCount(inputs);
      let scored: Scored;
      try {
        scored = await pipeline.score(
          log,
          { name: request.model_name, version: given(request.model_version) },
          rows,
          v2Encoder(inputs, { maxBatchSize }),
        );
      } catch (err) {
        pipeline.recordFailure(err);
        throw err;
      }
      const outputs = v2Outputs(scored, names, pipeline.issueIds);
      // The same line as V2 over REST, and which transport carried it.
      pipeline.logCompleted(log, scored.model, scored.latencyMs, () => ({
        protocol: 'v2',
        transport: 'grpc',
        rows,
        ...scoreSummary(scored.scores, rows),
      }));
      const response = { model_name: scored.model.name, model_version: scored.model.version, id: request.id };
      // Answered the way the request was asked (as KServe's own server does): raw bytes for raw
      // inputs, typed contents otherwise. Either way the float32 scores arrive bit for bit.
      if (request.raw_input_contents.length > 0) {
        return {
          ...response,
          outputs: outputs.map((o): InferOutputTensor => ({ name: o.name, datatype: o.datatype, shape: o.shape })),
          raw_output_contents: outputs.map(rawOutput),
        };
      }
      return { ...response, outputs: outputs.map(typedOutput) };
    },
  };
}
