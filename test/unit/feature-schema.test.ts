import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { compileFeatureSchema, encodeRow, modelSchemaFile, type ModelSchemaFile } from '../../src/model/index.js';

const file: ModelSchemaFile = modelSchemaFile.parse({
  format_version: 1,
  name: 'toy',
  version: 'v1',
  framework: 'onnx',
  task: 'binary_classification',
  input: { name: 'x' },
  output: { name: 'p' },
  features: [
    { name: 'amount', type: 'numeric', missing_value: 10 },
    { name: 'colour', type: 'categorical', categories: ['red', 'green', 'blue'], missing_value: 'green' },
    { name: 'age', type: 'numeric', integer: true, missing_value: 40 },
  ],
});
const schema = compileFeatureSchema(file);

function encode(row: Record<string, unknown>) {
  const out = new Float32Array(schema.width).fill(Number.NaN);
  const imputed = encodeRow(schema, row, out, 0, 'features');
  return { out: [...out], imputed };
}

function errorOf(row: Record<string, unknown>): AppError {
  try {
    encode(row);
  } catch (err) {
    return err as AppError;
  }
  throw new Error('expected encodeRow to throw');
}

describe('feature schema encoding', () => {
  it('lays out numeric columns and one-hot categories in schema order', () => {
    expect(schema.width).toBe(5);
    expect(encode({ amount: 2.5, colour: 'blue', age: 30 })).toEqual({ out: [2.5, 0, 0, 1, 30], imputed: [] });
  });

  it("describes its encoding once, as a plain row layout: width and each feature's type, offset and categories", () => {
    expect(schema.layout.width).toBe(schema.width);
    expect(schema.layout.features.map((f) => [f.name, f.type, f.offset])).toEqual([
      ['amount', 'numeric', 0],
      ['colour', 'categorical', 1],
      ['age', 'numeric', 4],
    ]);
    expect(schema.layout.features[1]).toMatchObject({ categories: ['red', 'green', 'blue'] });
    // The encoder writes where the layout says: amount at 0, blue one-hot at 1 + 2, age at 4.
    expect(encode({ amount: 2.5, colour: 'blue', age: 30 }).out).toEqual([2.5, 0, 0, 1, 30]);
    expect(JSON.parse(JSON.stringify(schema.layout))).toEqual(schema.layout);
  });

  it('fills omitted features with their missing values and reports them in schema order', () => {
    expect(encode({ age: 30 })).toEqual({ out: [10, 0, 1, 0, 30], imputed: ['amount', 'colour'] });
    expect(encode({})).toEqual({ out: [10, 0, 1, 0, 40], imputed: ['amount', 'colour', 'age'] });
  });

  it('overwrites the default category rather than adding a second hot column', () => {
    expect(encode({ colour: 'red' }).out.slice(1, 4)).toEqual([1, 0, 0]);
  });

  it('names the field of an unknown feature, including names on Object.prototype', () => {
    for (const name of ['colour_', 'constructor', 'toString', 'hasOwnProperty', '']) {
      const err = errorOf({ [name]: 1 });
      expect(err.code).toBe('UNKNOWN_FEATURE');
      expect(err.field).toBe(`features.${name}`);
    }
  });

  it('rejects non-numbers, non-finite and float32-overflowing numbers for numeric features', () => {
    for (const value of ['5', null, true, [1], { v: 1 }, Number.POSITIVE_INFINITY, Number.NaN, 3.5e38, -1e39]) {
      const err = errorOf({ amount: value });
      expect(err.code).toBe('INVALID_FEATURE_VALUE');
      expect(err.field).toBe('features.amount');
    }
    expect(encode({ amount: 3.4e38 }).out[0]).toBeCloseTo(3.4e38, -32);
  });

  it('rejects unknown categories and non-strings for categorical features', () => {
    expect(errorOf({ colour: 'purple' })).toMatchObject({ code: 'UNKNOWN_CATEGORY', field: 'features.colour' });
    expect(errorOf({ colour: 'purple' }).message).toContain('red, green, blue');
    expect(errorOf({ colour: 1 })).toMatchObject({ code: 'INVALID_FEATURE_VALUE', field: 'features.colour' });
  });

  it('echoes at most 64 characters of a client string', () => {
    const err = errorOf({ ['x'.repeat(10_000)]: 1 });
    expect(err.message.length).toBeLessThan(400);
    expect(err.field).toBe(`features.${'x'.repeat(64)}`);
  });

  it('refuses schemas whose missing category is not a category, or with duplicate features', () => {
    const bad = { ...file, features: [{ name: 'c', type: 'categorical', categories: ['a'], missing_value: 'b' }] };
    expect(modelSchemaFile.safeParse(bad).success).toBe(false);
    const dup = { ...file, features: [file.features[0], file.features[0]] };
    expect(modelSchemaFile.safeParse(dup).error?.issues[0]?.message).toContain('duplicate feature "amount"');
  });

  it('takes optional drift tolerances per feature (probability units in [0, 1)); outliers only for numeric features', () => {
    const withTolerances = {
      ...file,
      features: [
        { ...file.features[0], drift: { tolerance: 0.05, missing_tolerance: 0.01, outlier_tolerance: 0.005 } },
        { ...file.features[1], drift: { tolerance: 0.1 } },
      ],
    };
    const parsed = modelSchemaFile.parse(withTolerances);
    expect(compileFeatureSchema(parsed).layout.features[0]).toMatchObject({ drift: { tolerance: 0.05, outlier_tolerance: 0.005 } });
    const at = (drift: unknown, feature = 0) => ({
      ...file,
      features: file.features.map((f, k) => (k === feature ? { ...f, drift } : f)),
    });
    expect(modelSchemaFile.safeParse(at({ tolerance: 1 })).success).toBe(false);
    expect(modelSchemaFile.safeParse(at({ missing_tolerance: -0.01 })).success).toBe(false);
    expect(modelSchemaFile.safeParse(at({ tolerence: 0.05 })).success).toBe(false);
    expect(modelSchemaFile.safeParse(at({ outlier_tolerance: 0.01 }, 1)).success).toBe(false);
  });
});
