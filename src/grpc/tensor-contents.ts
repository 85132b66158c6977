import { AppError, quoteInput } from '../errors.js';
import { rawTensorData, type V2InputTensor } from '../prediction/v2-tensors.js';
import type { InferInputTensor, InferTensorContents } from './inference-proto.js';

/** The one field of InferTensorContents that carries each datatype (the .proto's comments). */
const CONTENTS_FIELD: Readonly<Record<string, keyof InferTensorContents>> = {
  BOOL: 'bool_contents',
  INT8: 'int_contents',
  INT16: 'int_contents',
  INT32: 'int_contents',
  INT64: 'int64_contents',
  UINT8: 'uint_contents',
  UINT16: 'uint_contents',
  UINT32: 'uint_contents',
  UINT64: 'uint64_contents',
  FP32: 'fp32_contents',
  FP64: 'fp64_contents',
  BYTES: 'bytes_contents',
};
const CONTENTS_FIELDS = [...new Set(Object.values(CONTENTS_FIELD))];

const inputError = (tensor: InferInputTensor, problem: string) =>
  new AppError('INVALID_TENSOR', `input ${quoteInput(tensor.name)}: ${problem}`, `inputs.${tensor.name.slice(0, 64)}`);

const hasContents = (contents: InferTensorContents | null): contents is InferTensorContents =>
  contents !== null && CONTENTS_FIELDS.some((f) => contents[f].length > 0);

/**
 * The inputs of a ModelInferRequest as the V2 decoder (prediction/v2-tensors.ts) takes them, with
 * their elements from the typed `contents` or from `raw_input_contents`: one or the other for the
 * whole request, one raw entry per input in the order of `inputs` (the .proto's rules). Typed
 * contents must sit in their datatype's field. Whether the elements fit the datatype, the shape and
 * the model is the decoder's to judge, exactly as for a REST request.
 */
export function v2Inputs(inputs: readonly InferInputTensor[], raw: readonly Buffer[]): V2InputTensor[] {
  if (raw.length > 0) {
    if (raw.length !== inputs.length) {
      throw new AppError(
        'INVALID_TENSOR',
        `raw_input_contents holds ${raw.length} entries for ${inputs.length} inputs: one per input, in the order of inputs`,
        'raw_input_contents',
      );
    }
    return inputs.map((tensor, i) => {
      if (hasContents(tensor.contents))
        throw inputError(tensor, 'has contents although the request uses raw_input_contents (one or the other)');
      const { name, datatype, shape } = tensor;
      return { name, datatype, shape, data: rawTensorData({ name, datatype, shape }, raw[i]!) };
    });
  }
  return inputs.map((tensor): V2InputTensor => {
    const { name, datatype, shape, contents } = tensor;
    const field = CONTENTS_FIELD[datatype];
    if (hasContents(contents)) {
      const stray = CONTENTS_FIELDS.find((f) => f !== field && contents[f].length > 0);
      if (stray !== undefined) {
        throw inputError(
          tensor,
          field === undefined
            ? `datatype ${quoteInput(datatype)} has no typed contents field (FP16 and BF16 travel only in raw_input_contents)`
            : `datatype ${datatype} goes in contents.${field}, not contents.${stray}`,
        );
      }
    }
    // No contents at all: an empty tensor, which the decoder refuses unless its shape holds no element.
    return { name, datatype, shape, data: field !== undefined && contents ? contents[field] : [] };
  });
}
