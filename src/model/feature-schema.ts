import { z } from 'zod';
import { AppError, quoteInput } from '../errors.js';

/** Largest finite float32: the ONNX input is float32, so bigger numbers would become Infinity. */
export const FLOAT32_MAX = 3.4028234663852886e38;

const featureName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'must match [A-Za-z_][A-Za-z0-9_]{0,63}');
const identifier = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1-64 characters of A-Z a-z 0-9 . _ -');

/**
 * The drift tolerance method's per-feature tolerances (src/drift/methods/tolerance.ts), each
 * optional with the service's default: `tolerance` the largest KS distance (numeric) or
 * total-variation distance (categorical) that is not drift, in probability units;
 * `missing_tolerance` the largest rise of the missing share over the reference's;
 * `outlier_tolerance` (numeric) the largest rise of the share outside the reference's [q0.01, q0.99].
 */
const driftTolerances = z.strictObject({
  tolerance: z.number().min(0).lt(1).optional(),
  missing_tolerance: z.number().min(0).lt(1).optional(),
  outlier_tolerance: z.number().min(0).lt(1).optional(),
});

const numericFeature = z.strictObject({
  name: featureName,
  type: z.literal('numeric'),
  description: z.string().optional(),
  /** Whole numbers only (counts, hours): drift tests treat such columns as discrete. */
  integer: z.boolean().default(false),
  /** Value used when a request omits the feature (the training median for the embedded model). */
  missing_value: z.number().refine((v) => Number.isFinite(v) && Math.abs(v) <= FLOAT32_MAX, 'must be a finite float32'),
  drift: driftTolerances.optional(),
});

const categoricalFeature = z.strictObject({
  name: featureName,
  type: z.literal('categorical'),
  description: z.string().optional(),
  /** Allowed values, in one-hot column order. */
  categories: z.array(z.string().min(1).max(128)).min(1).max(1024),
  missing_value: z.string(),
  drift: driftTolerances.omit({ outlier_tolerance: true }).optional(),
});

/** The `schema.json` beside every `model.onnx`; format documented in models/README.md. */
export const modelSchemaFile = z
  .strictObject({
    format_version: z.literal(1),
    name: identifier,
    version: identifier,
    framework: z.literal('onnx'),
    task: z.literal('binary_classification'),
    description: z.string().optional(),
    /** Name of the positive class, for humans ("fraud"). */
    positive_label: z.string().optional(),
    input: z.strictObject({ name: z.string().min(1) }),
    output: z.strictObject({
      name: z.string().min(1),
      /** Column holding P(positive) when the output is [N, 2]; ignored for [N, 1]. */
      positive_class_index: z.number().int().min(0).max(1).default(1),
    }),
    features: z
      .array(z.discriminatedUnion('type', [numericFeature, categoricalFeature]))
      .min(1)
      .max(1024),
    training: z.record(z.string(), z.unknown()).optional(),
    metrics: z.record(z.string(), z.number()).optional(),
  })
  .superRefine((schema, ctx) => {
    const seen = new Set<string>();
    schema.features.forEach((feature, i) => {
      if (seen.has(feature.name)) {
        ctx.addIssue({ code: 'custom', path: ['features', i, 'name'], message: `duplicate feature "${feature.name}"` });
      }
      seen.add(feature.name);
      if (feature.type === 'categorical') {
        if (new Set(feature.categories).size !== feature.categories.length) {
          ctx.addIssue({ code: 'custom', path: ['features', i, 'categories'], message: 'categories must be unique' });
        }
        if (!feature.categories.includes(feature.missing_value)) {
          ctx.addIssue({
            code: 'custom',
            path: ['features', i, 'missing_value'],
            message: `must be one of the categories (got "${feature.missing_value}")`,
          });
        }
      }
    });
  });

export type ModelSchemaFile = z.infer<typeof modelSchemaFile>;
export type FeatureSpec = ModelSchemaFile['features'][number];

/**
 * Where each feature sits in an encoded row: the model's input contract, described once, here.
 * A numeric feature is one float32 column at `offset`; a categorical feature is one column per
 * category from `offset`, 1 for its value and 0 elsewhere. Features in schema order.
 *
 * Plain data, so that drift/ and telemetry/ (which never import model/) can read it: the app layer
 * hands it to them, and each declares structurally the part it decodes (drift/window.ts
 * `EncodedLayout`, telemetry/prediction-telemetry.ts `ModelLayout`). A new type of feature here
 * then fails to compile where the app layer passes the layout to a consumer that cannot decode it.
 */
export interface RowLayout {
  /** Columns in one encoded row. */
  readonly width: number;
  readonly features: readonly EncodedFeature[];
}

/** A schema feature (name, type, categories, ...) with the first column it occupies. */
export type EncodedFeature = FeatureSpec & { readonly offset: number };

/**
 * A schema compiled for the request path: lookups by name without touching Object.prototype,
 * the encoded-row layout, and a prefilled row of missing values.
 */
export interface FeatureSchema {
  readonly file: ModelSchemaFile;
  readonly features: readonly FeatureSpec[];
  readonly names: readonly string[];
  readonly layout: RowLayout;
  /** Width of one encoded row (`layout.width`). */
  readonly width: number;
  /** Encoded row with every feature at its missing value. */
  readonly defaults: Float32Array;
  /** Feature index by name. */
  indexOf(name: string): number | undefined;
  /** Category index of `value` for categorical feature `feature`, or undefined. */
  categoryOf(feature: number, value: string): number | undefined;
  /** First encoded column of feature `feature` (`layout.features[feature].offset`). */
  offsetOf(feature: number): number;
}

function rowLayoutOf(features: readonly FeatureSpec[]): RowLayout {
  let width = 0;
  const encoded = features.map((feature): EncodedFeature => {
    const offset = width;
    width += feature.type === 'numeric' ? 1 : feature.categories.length;
    return { ...feature, offset };
  });
  return { width, features: encoded };
}

export function compileFeatureSchema(file: ModelSchemaFile): FeatureSchema {
  const layout = rowLayoutOf(file.features);
  const byName = new Map(file.features.map((feature, i) => [feature.name, i]));
  const categoryMaps = file.features.map((feature) =>
    feature.type === 'categorical' ? new Map(feature.categories.map((c, k) => [c, k])) : undefined,
  );
  const offsets = layout.features.map((f) => f.offset);
  const defaults = new Float32Array(layout.width);
  file.features.forEach((feature, i) => {
    const offset = offsets[i]!;
    if (feature.type === 'numeric') defaults[offset] = feature.missing_value;
    else defaults[offset + feature.categories.indexOf(feature.missing_value)] = 1;
  });
  return {
    file,
    features: file.features,
    names: file.features.map((f) => f.name),
    layout,
    width: layout.width,
    defaults,
    indexOf: (name) => byName.get(name),
    categoryOf: (feature, value) => categoryMaps[feature]?.get(value),
    offsetOf: (feature) => offsets[feature]!,
  };
}

const NO_IMPUTED: readonly string[] = Object.freeze([]);

/**
 * Validate one row of client features and write the values it gives into `out` at `offset`
 * (encoded layout), setting `given[givenOffset + f]` to 1 for each feature f it gives.
 * Throws AppError naming `${fieldPrefix}.${feature}` on the first bad field.
 */
export function writeGivenFeatures(
  schema: FeatureSchema,
  row: Readonly<Record<string, unknown>>,
  out: Float32Array,
  offset: number,
  given: Uint8Array,
  givenOffset: number,
  fieldPrefix: string,
): void {
  const features = schema.features;
  // Object.keys of a JSON.parse result: own keys only, so "constructor" or "__proto__" are just
  // unknown names here (the body parser refuses the dangerous shapes before this).
  for (const key of Object.keys(row)) {
    const index = schema.indexOf(key);
    if (index === undefined) {
      throw new AppError(
        'UNKNOWN_FEATURE',
        `unknown feature ${quoteInput(key)}; this model accepts: ${schema.names.join(', ')}`,
        `${fieldPrefix}.${key.slice(0, 64)}`,
      );
    }
    const spec = features[index]!;
    const value = row[key];
    const column = offset + schema.offsetOf(index);
    if (spec.type === 'numeric') {
      if (typeof value !== 'number') {
        throw new AppError(
          'INVALID_FEATURE_VALUE',
          `${spec.name} must be a number, got ${describeJsonType(value)}`,
          `${fieldPrefix}.${spec.name}`,
        );
      }
      // JSON.parse turns 1e999 into Infinity; float32 would turn 1e39 into Infinity.
      if (!Number.isFinite(value) || Math.abs(value) > FLOAT32_MAX) {
        throw new AppError(
          'INVALID_FEATURE_VALUE',
          `${spec.name} must be a finite number within ±3.4e38, got ${String(value)}`,
          `${fieldPrefix}.${spec.name}`,
        );
      }
      out[column] = value;
    } else {
      if (typeof value !== 'string') {
        throw new AppError(
          'INVALID_FEATURE_VALUE',
          `${spec.name} must be a string, got ${describeJsonType(value)}`,
          `${fieldPrefix}.${spec.name}`,
        );
      }
      const category = schema.categoryOf(index, value);
      if (category === undefined) {
        throw new AppError(
          'UNKNOWN_CATEGORY',
          `${spec.name} has no category ${quoteInput(value)}; allowed: ${spec.categories.join(', ')}`,
          `${fieldPrefix}.${spec.name}`,
        );
      }
      out.fill(0, column, column + spec.categories.length);
      out[column + category] = 1;
    }
    given[givenOffset + index] = 1;
  }
}

/**
 * Fill every feature the row did not give with its schema missing value; return their names in
 * schema order (one shared empty array when the row was complete).
 */
export function imputeMissing(
  schema: FeatureSchema,
  out: Float32Array,
  offset: number,
  given: Uint8Array,
  givenOffset: number,
): readonly string[] {
  let imputed: string[] | undefined;
  const features = schema.features;
  for (let f = 0; f < features.length; f++) {
    if (given[givenOffset + f] === 1) continue;
    const spec = features[f]!;
    const column = offset + schema.offsetOf(f);
    const width = spec.type === 'numeric' ? 1 : spec.categories.length;
    for (let c = 0; c < width; c++) out[column + c] = schema.defaults[column - offset + c]!;
    (imputed ??= []).push(spec.name);
  }
  return imputed ?? NO_IMPUTED;
}

/** Validate and encode one row in one go (training, reference data, tests). */
export function encodeRow(
  schema: FeatureSchema,
  row: Readonly<Record<string, unknown>>,
  out: Float32Array,
  offset: number,
  fieldPrefix: string,
): readonly string[] {
  const given = new Uint8Array(schema.features.length);
  writeGivenFeatures(schema, row, out, offset, given, 0, fieldPrefix);
  return imputeMissing(schema, out, offset, given, 0);
}

export function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${quoteInput(value)}`;
  if (typeof value === 'object') return 'an object';
  return typeof value;
}
