import {
  evaluateDrift,
  prepareReference,
  type Column,
  type ColumnReport,
  type ColumnTolerances,
  type DriftMethod,
  type DriftReport,
} from './index.js';
import type { EncodedLayout, FeatureDriftTolerances, WindowSnapshot } from './window.js';

/** What a model's drift is measured against: its reference sample and its own scores of it. */
export interface ModelReference {
  readonly modelName: string;
  readonly modelVersion: string;
  /** One column per feature, schema order; categorical columns carry the schema's categories. */
  readonly columns: readonly Column[];
  /** The model's scores of the reference rows (prediction drift baseline). */
  readonly scores: Float64Array;
  /** The tolerance method's per-feature tolerances from schema.json, by feature name (absent: defaults). */
  readonly tolerances?: Readonly<Record<string, ColumnTolerances>>;
}

export interface ReferenceSample {
  readonly modelName: string;
  readonly modelVersion: string;
  /** The model's encoded-row layout: names, kinds and categories of the columns, schema order. */
  readonly layout: EncodedLayout;
  /** One column per feature, schema order: numeric values or category indexes, NaN when missing. */
  readonly columns: readonly Float64Array[];
  /** The model's scores of the reference rows. */
  readonly scores: ArrayLike<number>;
}

/**
 * A model's reference as drift compares it, its numeric columns rounded to float32. The window
 * holds what the model was given, read back from its float32 input row; rounded alike, the same
 * data gives the same values on both sides. This is the only place the reference is rounded.
 */
export function modelReference(sample: ReferenceSample): ModelReference {
  return {
    modelName: sample.modelName,
    modelVersion: sample.modelVersion,
    columns: sample.layout.features.map((feature, i): Column => {
      const values = sample.columns[i]!;
      return feature.type === 'numeric'
        ? { name: feature.name, kind: 'numerical', values: values.map(Math.fround) }
        : { name: feature.name, kind: 'categorical', values, categories: feature.categories };
    }),
    scores: Float64Array.from(sample.scores),
    tolerances: Object.fromEntries(
      sample.layout.features.flatMap((f) => (f.drift === undefined ? [] : [[f.name, columnTolerances(f.drift)] as const])),
    ),
  };
}

/** schema.json's snake_case tolerances as the drift options name them; unset ones stay unset. */
function columnTolerances(drift: FeatureDriftTolerances): ColumnTolerances {
  return {
    ...(drift.tolerance !== undefined && { tolerance: drift.tolerance }),
    ...(drift.missing_tolerance !== undefined && { missingTolerance: drift.missing_tolerance }),
    ...(drift.outlier_tolerance !== undefined && { outlierTolerance: drift.outlier_tolerance }),
  };
}

export interface ModelDriftOptions {
  readonly method: DriftMethod;
  /** Fewer window rows than this: every feature reports insufficient data, no decision. */
  readonly minRows: number;
  /**
   * Dataset drift when at least this share of features drift (DRIFT_DATASET_SHARE); undefined:
   * the method's default (any drifted feature for tolerance and robust, half for evidently).
   */
  readonly datasetShare?: number;
}

/**
 * One model's drift report, in the shape of the original exercise (`drift_detected`,
 * `drift_score`, `drifted_features`, `total_features`) plus the per-feature detail, the
 * prediction (score) drift and the window it was computed on.
 */
export interface ModelDriftReport {
  readonly model_name: string;
  readonly model_version: string;
  readonly method: DriftMethod;
  readonly evaluated_at: string;
  readonly evaluation_ms: number;
  readonly window_rows: number;
  readonly rows_seen: number;
  readonly status: 'ok' | 'insufficient_data';
  readonly drift_detected: boolean;
  /** Share of drifted features (0..1), as the seed's `drift_score`. */
  readonly drift_score: number;
  readonly drifted_features: readonly string[];
  readonly total_features: number;
  readonly features: DriftReport['columns'];
  readonly prediction: ColumnReport;
}

export interface PreparedModel {
  evaluate(snapshot: WindowSnapshot, now?: Date): ModelDriftReport;
}

/** Prepare once (sorting, bins: everything that depends only on the reference), evaluate often. */
export function prepareModel(reference: ModelReference, options: ModelDriftOptions): PreparedModel {
  const driftOptions = { method: options.method, minRows: options.minRows };
  const featureOptions = {
    ...driftOptions,
    ...(options.datasetShare !== undefined && { driftShare: options.datasetShare }),
    ...(reference.tolerances !== undefined && { columnTolerances: reference.tolerances }),
  };
  const features = prepareReference(reference.columns, featureOptions);
  const predictionColumn: Column = { name: 'prediction', kind: 'numerical', values: reference.scores };
  const prediction = prepareReference([predictionColumn], driftOptions);

  return {
    evaluate(snapshot, now = new Date()) {
      const started = performance.now();
      const current: Column[] = reference.columns.map((column, i) => ({ ...column, values: snapshot.columns[i]! }));
      const report = evaluateDrift(features, current, featureOptions);
      const scores = evaluateDrift(prediction, [{ ...predictionColumn, values: snapshot.scores }], driftOptions);
      const insufficient = snapshot.rows < options.minRows;
      return {
        model_name: reference.modelName,
        model_version: reference.modelVersion,
        method: options.method,
        evaluated_at: now.toISOString(),
        evaluation_ms: performance.now() - started,
        window_rows: snapshot.rows,
        rows_seen: snapshot.total,
        status: insufficient ? 'insufficient_data' : 'ok',
        drift_detected: report.dataset_drift,
        drift_score: report.share_of_drifted_columns,
        drifted_features: report.drifted_columns,
        total_features: report.number_of_columns,
        features: report.columns,
        prediction: scores.columns['prediction']!,
      };
    },
  };
}
