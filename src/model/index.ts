export {
  compileFeatureSchema,
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
export { parseCsvRecords, type CsvRecord, type ReferenceData } from './reference-data.js';
