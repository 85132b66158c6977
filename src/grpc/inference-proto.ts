import { fileURLToPath } from 'node:url';
import type { ServiceDefinition } from '@grpc/grpc-js';
import { loadSync, type Options } from '@grpc/proto-loader';

/**
 * The Open Inference Protocol's gRPC definition, as the repository carries it (proto/, beside
 * src/ and dist/, and copied into the image): the same file the tests build their client from.
 */
export const INFERENCE_PROTO_PATH = fileURLToPath(new URL('../../proto/open_inference_grpc.proto', import.meta.url));

/** The service's full name, the prefix of every method path. */
export const INFERENCE_SERVICE = 'inference.GRPCInferenceService';

/** The RPCs, by their proto names: the closed set of `rpc_method` values is these, qualified. */
export const INFERENCE_RPCS = ['ServerLive', 'ServerReady', 'ModelReady', 'ServerMetadata', 'ModelMetadata', 'ModelInfer'] as const;
export type InferenceRpc = (typeof INFERENCE_RPCS)[number];

/** `rpc.method` of the semantic conventions: "inference.GRPCInferenceService/ModelInfer". */
export const qualified = (rpc: InferenceRpc): string => `${INFERENCE_SERVICE}/${rpc}`;

/**
 * How messages become JavaScript: field names as in the .proto (raw_input_contents), int64 and
 * uint64 as numbers (shapes and element counts are far below 2^53; INT64 tensor values are
 * converted to float32 anyway), bytes as Buffers, absent repeated fields as [], absent messages as
 * null, and the set oneof member's name in `parameter_choice`.
 */
export const PROTO_LOADER_OPTIONS: Options = { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true };

export function loadInferenceService(): ServiceDefinition {
  const definition = loadSync(INFERENCE_PROTO_PATH, PROTO_LOADER_OPTIONS);
  return definition[INFERENCE_SERVICE] as ServiceDefinition;
}

/** The messages as PROTO_LOADER_OPTIONS decodes them (only the fields this service reads or writes). */
export interface InferParameter {
  readonly parameter_choice?: 'bool_param' | 'int64_param' | 'string_param' | 'double_param' | 'uint64_param';
  readonly bool_param?: boolean;
  readonly int64_param?: number;
  readonly string_param?: string;
  readonly double_param?: number;
  readonly uint64_param?: number;
}

export interface InferTensorContents {
  readonly bool_contents: readonly boolean[];
  readonly int_contents: readonly number[];
  readonly int64_contents: readonly number[];
  readonly uint_contents: readonly number[];
  readonly uint64_contents: readonly number[];
  readonly fp32_contents: readonly number[];
  readonly fp64_contents: readonly number[];
  readonly bytes_contents: readonly Buffer[];
}

export interface InferInputTensor {
  readonly name: string;
  readonly datatype: string;
  readonly shape: readonly number[];
  readonly parameters: Readonly<Record<string, InferParameter>>;
  readonly contents: InferTensorContents | null;
}

export interface ModelInferRequest {
  readonly model_name: string;
  readonly model_version: string;
  readonly id: string;
  readonly parameters: Readonly<Record<string, InferParameter>>;
  readonly inputs: readonly InferInputTensor[];
  readonly outputs: readonly { readonly name: string }[];
  readonly raw_input_contents: readonly Buffer[];
}

export interface NameVersionRequest {
  readonly name: string;
  readonly version: string;
}

export interface TensorMetadata {
  readonly name: string;
  readonly datatype: string;
  readonly shape: readonly number[];
}

export interface InferOutputTensor {
  readonly name: string;
  readonly datatype: string;
  readonly shape: readonly number[];
  readonly contents?: Partial<InferTensorContents>;
}

export interface ModelInferResponse {
  readonly model_name: string;
  readonly model_version: string;
  readonly id: string;
  readonly outputs: readonly InferOutputTensor[];
  readonly raw_output_contents?: readonly Buffer[];
}
