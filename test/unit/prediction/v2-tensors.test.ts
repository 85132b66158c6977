import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/errors.js';
import { compileFeatureSchema, modelSchemaFile, type LoadedModel } from '../../../src/model/index.js';
import {
  batchInputOf,
  flattenJsonData,
  rawTensorData,
  v2Encoder,
  v2RowCount,
  type V2InputTensor,
} from '../../../src/prediction/v2-tensors.js';

/** A model of three numeric features (no categorical one), so it also takes one FP32 [N, 3] tensor. */
const numericSchema = compileFeatureSchema(
  modelSchemaFile.parse({
    format_version: 1,
    name: 'numeric',
    version: 'v1',
    framework: 'onnx',
    task: 'binary_classification',
    input: { name: 'float_input' },
    output: { name: 'probability' },
    features: [
      { name: 'a', type: 'numeric', missing_value: 10 },
      { name: 'b', type: 'numeric', missing_value: 20 },
      { name: 'c', type: 'numeric', missing_value: 30 },
    ],
  }),
);
const mixedSchema = compileFeatureSchema(
  modelSchemaFile.parse({
    format_version: 1,
    name: 'mixed',
    version: 'v1',
    framework: 'onnx',
    task: 'binary_classification',
    input: { name: 'features' },
    output: { name: 'probability' },
    features: [
      { name: 'x', type: 'numeric', missing_value: 1 },
      { name: 'kind', type: 'categorical', categories: ['p', 'q'], missing_value: 'p' },
    ],
  }),
);
const modelOf = (schema: typeof numericSchema) => ({ schema }) as unknown as LoadedModel;
const decode = (schema: typeof numericSchema, inputs: V2InputTensor[], maxBatchSize = 100) =>
  v2Encoder(inputs, { maxBatchSize })(modelOf(schema));

function thrown(work: () => unknown): AppError {
  try {
    work();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('did not throw');
}

const le = (bytes: number[]) => Uint8Array.from(bytes);

describe('rawTensorData (gRPC raw_input_contents)', () => {
  it('reads little-endian FP32, FP64, INT64 and BOOL elements', () => {
    const fp32 = new Uint8Array(new Float32Array([1.5, -2]).buffer);
    expect(Array.from(rawTensorData({ name: 'a', datatype: 'FP32', shape: [2] }, fp32))).toEqual([1.5, -2]);
    const view = new DataView(new ArrayBuffer(16));
    view.setFloat64(0, 0.1, true);
    view.setBigInt64(8, -5n, true);
    expect(rawTensorData({ name: 'a', datatype: 'FP64', shape: [1] }, new Uint8Array(view.buffer, 0, 8))[0]).toBe(0.1);
    expect(rawTensorData({ name: 'a', datatype: 'INT64', shape: [1] }, new Uint8Array(view.buffer, 8, 8))[0]).toBe(-5);
    expect(Array.from(rawTensorData({ name: 'a', datatype: 'BOOL', shape: [3] }, le([1, 0, 2])) as boolean[])).toEqual([true, false, true]);
  });

  it('reads an unaligned buffer (a protobuf field inside a larger message)', () => {
    const bytes = new Uint8Array(9);
    new DataView(bytes.buffer).setFloat32(1, 3.25, true);
    new DataView(bytes.buffer).setFloat32(5, 7, true);
    expect(Array.from(rawTensorData({ name: 'a', datatype: 'FP32', shape: [2, 1] }, bytes.subarray(1)))).toEqual([3.25, 7]);
  });

  it('reads BYTES as 4-byte little-endian lengths, each followed by its bytes', () => {
    const data = rawTensorData({ name: 'kind', datatype: 'BYTES', shape: [2] }, le([1, 0, 0, 0, 0x70, 2, 0, 0, 0, 0x71, 0x71]));
    expect(Array.from(data as Uint8Array[], (b) => Buffer.from(b).toString())).toEqual(['p', 'qq']);
  });

  it.each([
    ['FP32', [2], le([0, 0, 0, 0]), 'needs 8'],
    ['INT32', [1], le([0, 0, 0, 0, 0]), 'needs 4'],
    ['BYTES', [1], le([5, 0, 0, 0, 1]), 'runs past the end'],
    ['BYTES', [1], le([1, 0]), 'ends inside the length'],
    ['BYTES', [2], le([0, 0, 0, 0]), 'holds 1 elements'],
    ['FP16', [1], le([0, 0]), 'FP16'],
    ['COMPLEX', [1], le([0]), 'unknown datatype'],
  ])('%s %j with a wrong byte count -> INVALID_TENSOR naming the input', (datatype, shape, bytes, words) => {
    const error = thrown(() => rawTensorData({ name: 'in0', datatype, shape }, bytes));
    expect(error.code).toBe('INVALID_TENSOR');
    expect(error.message).toContain('input "in0"');
    expect(error.message).toContain(words);
  });
});

describe('flattenJsonData (REST)', () => {
  it('flattens the natural nested form row-major; a flat array is returned as is', () => {
    expect(
      flattenJsonData('a', [
        [1, 2],
        [4, [5]],
      ]),
    ).toEqual([1, 2, 4, 5]);
    const flat = [1, 2];
    expect(flattenJsonData('a', flat)).toBe(flat);
  });

  it('a nesting a million deep flattens without overflowing the stack', () => {
    let deep: unknown = [7];
    for (let i = 0; i < 1_000_000; i++) deep = [deep];
    expect(flattenJsonData('a', deep)).toEqual([7]);
  });
});

describe('v2Encoder', () => {
  it('one FP32 [N, F] tensor of an all-numeric model encodes like one tensor per feature', () => {
    expect(batchInputOf(numericSchema)).toEqual({ name: 'float_input', datatype: 'FP32', shape: [-1, 3] });
    expect(batchInputOf(mixedSchema)).toBeUndefined();
    const whole = decode(numericSchema, [{ name: 'float_input', datatype: 'FP32', shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }]);
    const columns = decode(numericSchema, [
      { name: 'a', datatype: 'FP32', shape: [2], data: [1, 4] },
      { name: 'b', datatype: 'INT32', shape: [2, 1], data: [2, 5] },
      { name: 'c', datatype: 'FP64', shape: [2], data: new Float64Array([3, 6]) },
    ]);
    expect(Array.from(whole.input)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(whole).toEqual(columns);
    expect(Array.from(whole.given)).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('features without a tensor are left to imputation (given 0); categories are one-hot', () => {
    const { input, given } = decode(mixedSchema, [
      { name: 'kind', datatype: 'BYTES', shape: [2], data: ['q', new TextEncoder().encode('p')] },
    ]);
    expect(Array.from(given)).toEqual([0, 1, 0, 1]);
    expect(Array.from(input)).toEqual([0, 0, 1, 0, 1, 0]);
  });

  it.each([
    [
      '[N, F] beside a per-feature tensor',
      numericSchema,
      [
        { name: 'float_input', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] },
        { name: 'a', datatype: 'FP32', shape: [1], data: [1] },
      ],
      'float_input',
      'INVALID_TENSOR',
    ],
    [
      '[N, F] of the wrong width',
      numericSchema,
      [{ name: 'float_input', datatype: 'FP32', shape: [1, 2], data: [1, 2] }],
      'float_input',
      'INVALID_TENSOR',
    ],
    [
      'the [N, F] name on a model with a category',
      mixedSchema,
      [{ name: 'features', datatype: 'FP32', shape: [1, 2], data: [1, 2] }],
      'features',
      'INVALID_TENSOR',
    ],
    [
      'NaN from raw FP32',
      numericSchema,
      [{ name: 'a', datatype: 'FP32', shape: [1], data: new Float32Array([NaN]) }],
      'a',
      'INVALID_FEATURE_VALUE',
    ],
    [
      'a huge raw FP64',
      numericSchema,
      [{ name: 'a', datatype: 'FP64', shape: [1], data: new Float64Array([1e300]) }],
      'a',
      'INVALID_FEATURE_VALUE',
    ],
    [
      'a BYTES element that is not UTF-8',
      mixedSchema,
      [{ name: 'kind', datatype: 'BYTES', shape: [1], data: [le([0xff])] }],
      'kind',
      'INVALID_FEATURE_VALUE',
    ],
    ['a fractional INT32', numericSchema, [{ name: 'a', datatype: 'INT32', shape: [1], data: [1.5] }], 'a', 'INVALID_FEATURE_VALUE'],
    ['an empty shape', numericSchema, [{ name: 'a', datatype: 'FP32', shape: [], data: [1] }], 'a', 'INVALID_TENSOR'],
  ] as const)('%s -> %s… naming the input', (_what, schema, inputs, name, code) => {
    const error = thrown(() => decode(schema, inputs as unknown as V2InputTensor[]));
    expect(error.code).toBe(code);
    expect(error.message).toContain(`input "${name}"`);
  });

  it("more rows than the limit -> BATCH_TOO_LARGE; the row count is the first input's first dimension", () => {
    const inputs = [{ name: 'a', datatype: 'FP32', shape: [3], data: [1, 2, 3] }];
    expect(v2RowCount(inputs)).toBe(3);
    expect(v2RowCount([])).toBe(0);
    expect(thrown(() => decode(numericSchema, inputs, 2)).code).toBe('BATCH_TOO_LARGE');
  });
});
