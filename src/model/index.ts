export {
  compileFeatureSchema,
  FLOAT32_MAX,
  encodeRow,
  imputeMissing,
  writeGivenFeatures,
  modelSchemaFile,
  type FeatureSchema,
  type FeatureSpec,
  type ModelSchemaFile,
} from './feature-schema.js';
export { loadModelRegistry, type LoadedModel, type ModelRegistry } from './model-registry.js';
export type { OnnxScorer } from './onnx-model.js';
export {
  DEFAULT_SCORE_BUCKETS,
  MAX_SCORE_BUCKETS,
  defaultPerformance,
  logitSpacedEdges,
  readPerformanceFile,
  type CalibrationRow,
  type ModelPerformance,
  type PerformanceAlerting,
  type ReferencePerformance,
} from './performance-file.js';
export { parseCsvRecords, type CsvRecord, type ReferenceData } from './reference-data.js';
