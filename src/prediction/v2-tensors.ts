import { AppError, quoteInput } from '../errors.js';
import { FLOAT32_MAX, type FeatureSchema, type LoadedModel } from '../model/index.js';
import type { EncodedRows, RowEncoder, Scored } from './pipeline.js';

/**
 * The Open Inference Protocol (KServe V2) view of a tabular model, shared by the REST routes and
 * the gRPC server: model metadata, decoding input tensors into the pipeline's encoded rows, and
 * the output tensors. Nothing here knows a transport: REST hands over JSON `data` (flattened with
 * `flattenJsonData`), gRPC the typed `contents` or `raw_input_contents` (`rawTensorData`).
 *
 * Facts from the specification (kserve/open-inference-protocol, specification/protocol/
 * inference_rest.md and inference_grpc.md): datatypes and their sizes (Tensor Data Types), data
 * flattened row-major without stride or padding, shape dimensions -1 for variable size in
 * metadata, platform `onnx_onnxv1` for "an ONNX model encoded for ONNX Runtime". Raw contents are
 * little-endian and a raw BYTES element is a 4-byte little-endian length followed by its bytes:
 * the spec does not say; this is what Triton and KServe's clients send.
 */

/** Every datatype of the specification's table, with its size in bytes (BYTES: variable). */
export const V2_DATATYPE_SIZES = {
  BOOL: 1,
  UINT8: 1,
  UINT16: 2,
  UINT32: 4,
  UINT64: 8,
  INT8: 1,
  INT16: 2,
  INT32: 4,
  INT64: 8,
  FP16: 2,
  FP32: 4,
  FP64: 8,
  BYTES: 0,
} as const;
export type V2Datatype = keyof typeof V2_DATATYPE_SIZES;

/** The platform of every model this service serves (the specification's Platforms list). */
export const V2_PLATFORM = 'onnx_onnxv1';

/**
 * Datatypes a numeric feature accepts. FP32 is what the metadata announces (the ONNX input is
 * float32); the others are converted to float32 exactly as /predict converts a JSON number, so a
 * client holding float64 or integer columns (numpy, pandas) need not cast. FP16 is refused: no
 * client can send it except raw, and nothing in this model needs it.
 */
const NUMERIC_DATATYPES: ReadonlySet<string> = new Set([
  'FP32',
  'FP64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'BOOL',
]);

/** Inclusive integer ranges of the integer datatypes (64-bit ones as far as a JSON number or a double is exact). */
const INTEGER_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  INT8: [-128, 127],
  INT16: [-32768, 32767],
  INT32: [-2147483648, 2147483647],
  INT64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  UINT8: [0, 255],
  UINT16: [0, 65535],
  UINT32: [0, 4294967295],
  UINT64: [0, Number.MAX_SAFE_INTEGER],
};

/** A tensor's metadata: name, datatype, shape with -1 for the batch dimension. */
export interface V2TensorMetadata {
  readonly name: string;
  readonly datatype: V2Datatype;
  readonly shape: readonly number[];
}

/** The outputs this service produces for every model, in their default order. */
export const V2_OUTPUTS: readonly V2TensorMetadata[] = [
  { name: 'score', datatype: 'FP32', shape: [-1] },
  { name: 'confidence', datatype: 'FP32', shape: [-1] },
  { name: 'prediction_id', datatype: 'BYTES', shape: [-1] },
];
export type V2OutputName = 'score' | 'confidence' | 'prediction_id';
const OUTPUT_NAMES: ReadonlySet<string> = new Set(V2_OUTPUTS.map((o) => o.name));

export interface V2ModelMetadata {
  readonly name: string;
  readonly versions: readonly string[];
  readonly platform: string;
  /** One tensor per feature, in schema order: numeric FP32 [-1, 1], categorical BYTES [-1, 1]. */
  readonly inputs: readonly V2TensorMetadata[];
  readonly outputs: readonly V2TensorMetadata[];
}

/** Each model name's loaded versions, in the registry's order: the `versions` of its metadata, computed once at startup. */
export function versionsByName(models: readonly LoadedModel[]): ReadonlyMap<string, readonly string[]> {
  const versions = new Map<string, string[]>();
  for (const m of models) versions.set(m.name, [...(versions.get(m.name) ?? []), m.version]);
  return versions;
}

/**
 * Model metadata: one input per feature (FP32 for numeric, BYTES for categorical, shape [-1, 1]:
 * [N] is accepted too), the three outputs. `versions`: every loaded version of the model's name.
 * Models whose features are all numeric also accept one FP32 [N, F] tensor named after the ONNX
 * input (`batchInputOf`), as an alternative not listed here: the metadata lists what a client
 * sends when it sends everything one way.
 */
export function v2ModelMetadata(model: LoadedModel, versions: readonly string[]): V2ModelMetadata {
  return {
    name: model.name,
    versions,
    platform: V2_PLATFORM,
    inputs: model.schema.features.map((f) => ({ name: f.name, datatype: f.type === 'numeric' ? 'FP32' : 'BYTES', shape: [-1, 1] })),
    outputs: V2_OUTPUTS,
  };
}

/** The one FP32 [N, F] input of an all-numeric model (features in schema order), or undefined when a feature is categorical. */
export function batchInputOf(schema: FeatureSchema): V2TensorMetadata | undefined {
  if (!schema.features.every((f) => f.type === 'numeric')) return undefined;
  return { name: schema.file.input.name, datatype: 'FP32', shape: [-1, schema.features.length] };
}

/**
 * One input tensor as a transport hands it over. `data` holds the elements flattened row-major:
 * numbers or booleans for the numeric datatypes, strings or bytes (UTF-8) for BYTES. Anything
 * else in it is refused element by element, so a transport passes what the client sent unchecked.
 */
export interface V2InputTensor {
  readonly name: string;
  readonly datatype: string;
  readonly shape: readonly number[];
  readonly data: ArrayLike<unknown>;
}

const tensorError = (name: string, message: string) =>
  new AppError('INVALID_TENSOR', `input ${quoteInput(name)}: ${message}`, `inputs.${name.slice(0, 64)}`);

/**
 * The JSON `data` of a REST input, flattened: the specification allows the natural nested form
 * ([[1, 2], [4, 5]]) as well as the flat one. Iterative, so a deeply nested body cannot overflow
 * the stack; the body limit bounds its size.
 */
export function flattenJsonData(name: string, data: unknown): unknown[] {
  if (!Array.isArray(data)) throw tensorError(name, 'data must be an array');
  if (!data.some(Array.isArray)) return data;
  const out: unknown[] = [];
  const stack: { items: readonly unknown[]; next: number }[] = [{ items: data, next: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.next === top.items.length) {
      stack.pop();
      continue;
    }
    const item = top.items[top.next++];
    if (Array.isArray(item)) stack.push({ items: item, next: 0 });
    else out.push(item);
  }
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The elements of one raw input (gRPC `raw_input_contents`): fixed-size little-endian values, or
 * for BYTES each element as a 4-byte little-endian length and that many bytes. The byte count must
 * be exactly what the shape and datatype imply.
 */
export function rawTensorData(tensor: Omit<V2InputTensor, 'data'>, bytes: Uint8Array): ArrayLike<unknown> {
  const { name, datatype } = tensor;
  const count = elementCount(tensor);
  if (datatype === 'BYTES') {
    const elements: Uint8Array[] = [];
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let at = 0;
    while (at < bytes.byteLength) {
      if (at + 4 > bytes.byteLength) throw tensorError(name, `raw BYTES content ends inside the length of element ${elements.length}`);
      const length = view.getUint32(at, true);
      at += 4;
      if (at + length > bytes.byteLength) throw tensorError(name, `raw BYTES element ${elements.length} runs past the end of the content`);
      elements.push(bytes.subarray(at, at + length));
      at += length;
    }
    if (elements.length !== count)
      throw tensorError(name, `raw content holds ${elements.length} elements; shape [${tensor.shape.join(', ')}] needs ${count}`);
    return elements;
  }
  const size = (V2_DATATYPE_SIZES as Record<string, number>)[datatype];
  if (size === undefined) throw tensorError(name, `unknown datatype ${quoteInput(datatype)}`);
  if (datatype === 'FP16') throw tensorError(name, 'datatype FP16 is not accepted; send FP32');
  if (bytes.byteLength !== count * size) {
    throw tensorError(
      name,
      `raw content is ${bytes.byteLength} bytes; shape [${tensor.shape.join(', ')}] of ${datatype} needs ${count * size}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = datatype === 'BOOL' ? new Array<boolean>(count) : new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const at = i * size;
    switch (datatype) {
      case 'BOOL':
        out[i] = view.getUint8(at) !== 0;
        break;
      case 'UINT8':
        out[i] = view.getUint8(at);
        break;
      case 'UINT16':
        out[i] = view.getUint16(at, true);
        break;
      case 'UINT32':
        out[i] = view.getUint32(at, true);
        break;
      case 'UINT64':
        out[i] = Number(view.getBigUint64(at, true));
        break;
      case 'INT8':
        out[i] = view.getInt8(at);
        break;
      case 'INT16':
        out[i] = view.getInt16(at, true);
        break;
      case 'INT32':
        out[i] = view.getInt32(at, true);
        break;
      case 'INT64':
        out[i] = Number(view.getBigInt64(at, true));
        break;
      case 'FP32':
        out[i] = view.getFloat32(at, true);
        break;
      default:
        out[i] = view.getFloat64(at, true);
    }
  }
  return out;
}

/** Product of a validated shape; refuses what is not a list of non-negative safe integers. */
function elementCount(tensor: Omit<V2InputTensor, 'data'>): number {
  const { name, shape } = tensor;
  if (!Array.isArray(shape) || shape.length === 0) throw tensorError(name, 'shape must list at least one dimension');
  let count = 1;
  for (const dim of shape) {
    if (typeof dim !== 'number' || !Number.isSafeInteger(dim) || dim < 0) {
      throw tensorError(name, `shape [${shape.map(String).join(', ').slice(0, 64)}] must hold non-negative integers`);
    }
    count *= dim;
  }
  if (!Number.isSafeInteger(count)) throw tensorError(name, 'shape holds too many elements');
  return count;
}

/**
 * Rows of a V2 request: the first dimension of the first input, which every accepted form puts
 * first; the encoder checks that every input agrees. 0 when there is no input (the encoder refuses it).
 */
export function v2RowCount(inputs: readonly V2InputTensor[]): number {
  const first = inputs[0]?.shape[0];
  return typeof first === 'number' && Number.isSafeInteger(first) && first >= 0 ? first : 0;
}

export interface V2DecodeOptions {
  /** Most rows of one request (MAX_BATCH_SIZE): more is BATCH_TOO_LARGE (413). */
  readonly maxBatchSize: number;
}

/**
 * The pipeline's RowEncoder for V2 inputs: one tensor per feature, shape [N] or [N, 1], FP32
 * (or another numeric datatype) for numeric features and BYTES for categorical ones; features
 * without a tensor are imputed from the schema like an omitted /predict field. Or, for an
 * all-numeric model, one FP32 [N, F] tensor named after the ONNX input. Every error names the
 * input: INVALID_TENSOR (unknown or repeated input, datatype, shape, element count),
 * INVALID_FEATURE_VALUE (an element that is not a finite number within float32, an integer
 * outside its datatype, a non-string BYTES element), UNKNOWN_CATEGORY, EMPTY_BATCH,
 * BATCH_TOO_LARGE.
 */
export function v2Encoder(inputs: readonly V2InputTensor[], options: V2DecodeOptions): RowEncoder {
  return (model) => decodeInputs(model.schema, inputs, options);
}

function decodeInputs(schema: FeatureSchema, inputs: readonly V2InputTensor[], options: V2DecodeOptions): EncodedRows {
  if (inputs.length === 0) throw new AppError('INVALID_TENSOR', 'inputs must hold at least one tensor', 'inputs');
  elementCount(inputs[0]!); // its shape gives N: refused first, naming it, when it is not one
  const rows = v2RowCount(inputs);
  if (rows > options.maxBatchSize) {
    throw new AppError('BATCH_TOO_LARGE', `batch of ${rows} rows exceeds the limit of ${options.maxBatchSize} (MAX_BATCH_SIZE)`, 'inputs');
  }
  if (rows === 0)
    throw new AppError('EMPTY_BATCH', `input ${quoteInput(inputs[0]!.name)}: the batch dimension must be at least 1`, 'inputs');
  const featureCount = schema.features.length;
  const input = new Float32Array(rows * schema.width);
  const given = new Uint8Array(rows * featureCount);
  const batch = batchInputOf(schema);
  const seen = new Set<string>();
  for (const tensor of inputs) {
    const { name } = tensor;
    if (typeof name !== 'string') throw new AppError('INVALID_TENSOR', 'every input needs a name', 'inputs');
    if (seen.has(name)) throw tensorError(name, 'given twice');
    seen.add(name);
    const count = elementCount(tensor);
    if (tensor.shape[0] !== rows)
      throw tensorError(name, `batch dimension ${tensor.shape[0]} differs from ${rows} of input ${quoteInput(inputs[0]!.name)}`);
    if (count !== tensor.data.length) {
      throw tensorError(name, `data holds ${tensor.data.length} elements; shape [${tensor.shape.join(', ')}] needs ${count}`);
    }
    if (batch && name === batch.name) {
      if (inputs.length > 1) throw tensorError(name, `the [N, ${featureCount}] input cannot be combined with per-feature inputs`);
      if (tensor.shape.length !== 2 || tensor.shape[1] !== featureCount) {
        throw tensorError(name, `shape must be [N, ${featureCount}] (one column per feature: ${schema.names.join(', ')})`);
      }
      checkNumericDatatype(tensor);
      for (let f = 0; f < featureCount; f++) {
        writeNumeric(tensor, schema.names[f]!, rows, (r) => r * featureCount + f, input, schema.width, schema.offsetOf(f));
      }
      given.fill(1);
      continue;
    }
    const feature = schema.indexOf(name);
    if (feature === undefined) {
      const accepted = batch ? `${schema.names.join(', ')} (or one [N, ${featureCount}] ${batch.name})` : schema.names.join(', ');
      throw tensorError(name, `not an input of this model; it accepts: ${accepted}`);
    }
    if (!(tensor.shape.length === 1 || (tensor.shape.length === 2 && tensor.shape[1] === 1))) {
      throw tensorError(name, `shape [${tensor.shape.join(', ')}] must be [N] or [N, 1] (one value per row)`);
    }
    const spec = schema.features[feature]!;
    const offset = schema.offsetOf(feature);
    if (spec.type === 'numeric') {
      checkNumericDatatype(tensor);
      writeNumeric(tensor, name, rows, (r) => r, input, schema.width, offset);
    } else {
      if (tensor.datatype !== 'BYTES')
        throw tensorError(name, `datatype must be BYTES (a categorical feature), got ${quoteInput(String(tensor.datatype))}`);
      for (let r = 0; r < rows; r++) {
        const element = tensor.data[r];
        const value = element instanceof Uint8Array ? decodeUtf8(name, r, element) : element;
        if (typeof value !== 'string') {
          throw new AppError(
            'INVALID_FEATURE_VALUE',
            `input ${quoteInput(name)} element ${r}: must be a string, got ${describe(value)}`,
            `inputs.${name}`,
          );
        }
        const category = schema.categoryOf(feature, value);
        if (category === undefined) {
          throw new AppError(
            'UNKNOWN_CATEGORY',
            `input ${quoteInput(name)} element ${r}: no category ${quoteInput(value)}; allowed: ${spec.categories.join(', ')}`,
            `inputs.${name}`,
          );
        }
        input[r * schema.width + offset + category] = 1;
      }
    }
    for (let r = 0; r < rows; r++) given[r * featureCount + feature] = 1;
  }
  return { input, given };
}

function checkNumericDatatype(tensor: V2InputTensor): void {
  if (!NUMERIC_DATATYPES.has(tensor.datatype)) {
    throw tensorError(
      tensor.name,
      `datatype must be FP32 (or FP64, INT8-64, UINT8-64, BOOL) for a numeric feature, got ${quoteInput(String(tensor.datatype))}`,
    );
  }
}

/** Validate and write one numeric column: element `at(r)` of the tensor into row r, column `offset`. */
function writeNumeric(
  tensor: V2InputTensor,
  feature: string,
  rows: number,
  at: (row: number) => number,
  out: Float32Array,
  width: number,
  offset: number,
): void {
  const { name, datatype, data } = tensor;
  const range = INTEGER_RANGES[datatype];
  for (let r = 0; r < rows; r++) {
    const i = at(r);
    const element = data[i];
    let value: number;
    if (datatype === 'BOOL') {
      if (typeof element !== 'boolean') throw valueError(name, i, `must be a boolean (BOOL), got ${describe(element)}`);
      value = element ? 1 : 0;
    } else {
      if (typeof element !== 'number') throw valueError(name, i, `must be a number, got ${describe(element)}`);
      // JSON.parse turns 1e999 into Infinity; float32 would turn 1e39 into Infinity (as /predict).
      if (!Number.isFinite(element) || Math.abs(element) > FLOAT32_MAX) {
        throw valueError(name, i, `${feature} must be a finite number within ±3.4e38, got ${String(element)}`);
      }
      if (range && !(Number.isInteger(element) && element >= range[0] && element <= range[1])) {
        throw valueError(name, i, `must be an integer within ${datatype}'s range, got ${String(element)}`);
      }
      value = element;
    }
    out[r * width + offset] = value;
  }
}

const valueError = (name: string, element: number, message: string) =>
  new AppError('INVALID_FEATURE_VALUE', `input ${quoteInput(name)} element ${element}: ${message}`, `inputs.${name.slice(0, 64)}`);

function decodeUtf8(name: string, element: number, bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw valueError(name, element, 'BYTES element is not UTF-8');
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${quoteInput(value)}`;
  if (typeof value === 'object') return 'an object';
  return typeof value;
}

/** The requested outputs, validated: every name one of V2_OUTPUTS, none twice; undefined or empty: all of them. */
export function selectOutputs(requested: readonly { readonly name: string }[] | undefined): readonly V2OutputName[] {
  if (!requested || requested.length === 0) return V2_OUTPUTS.map((o) => o.name as V2OutputName);
  const names: V2OutputName[] = [];
  for (const [i, output] of requested.entries()) {
    const name = output.name;
    if (!OUTPUT_NAMES.has(name)) {
      throw new AppError(
        'VALIDATION_ERROR',
        `unknown output ${quoteInput(String(name))}; this model produces: ${V2_OUTPUTS.map((o) => o.name).join(', ')}`,
        `outputs[${i}].name`,
      );
    }
    if (names.includes(name as V2OutputName))
      throw new AppError('VALIDATION_ERROR', `output ${quoteInput(name)} requested twice`, `outputs[${i}].name`);
    names.push(name as V2OutputName);
  }
  return names;
}

/** One output tensor: FP32 outputs as float32 arrays, BYTES as strings. */
export type V2OutputTensor =
  | { readonly name: 'score' | 'confidence'; readonly datatype: 'FP32'; readonly shape: readonly [number]; readonly data: Float32Array }
  | { readonly name: 'prediction_id'; readonly datatype: 'BYTES'; readonly shape: readonly [number]; readonly data: readonly string[] };

/**
 * The output tensors of a scored request, in the order `names` asks for. `score` is the model's
 * P(positive) exactly as /predict returns it; `confidence` is max(p, 1 - p) in float32;
 * `prediction_id` is issued (one cipher call for all rows) only when asked for.
 */
export function v2Outputs(
  scored: Scored,
  names: readonly V2OutputName[],
  issueIds: (model: LoadedModel, scores: Float32Array) => string[],
): V2OutputTensor[] {
  const { rows, scores } = scored;
  return names.map((name): V2OutputTensor => {
    switch (name) {
      case 'score':
        return { name, datatype: 'FP32', shape: [rows], data: scores };
      case 'confidence': {
        const confidence = new Float32Array(rows);
        for (let r = 0; r < rows; r++) confidence[r] = Math.max(scores[r]!, 1 - scores[r]!);
        return { name, datatype: 'FP32', shape: [rows], data: confidence };
      }
      case 'prediction_id':
        return { name, datatype: 'BYTES', shape: [rows], data: issueIds(scored.model, scores) };
    }
  });
}
