/**
 * drift/'s statistics layer: datasets as Float64Array columns, a prepared reference, and one
 * report per evaluation. Pure: no I/O, no timers, no telemetry (app.ts joins drift and metrics).
 */
export { CategoryDictionary, categoricalColumns, compareCodePoints, isPresent, numericalColumn } from './dataset.js';
export type { Column, ColumnKind, Dataset } from './dataset.js';
export { evaluateDrift, prepareReference } from './methods/evaluate-drift.js';
export type { DriftOptions, PreparedReference } from './methods/evaluate-drift.js';
export { EVIDENTLY_DRIFT_SHARE, evidentlyStattest } from './methods/evidently.js';
export { ROBUST_DEFAULTS } from './methods/robust.js';
export { TOLERANCE_DEFAULTS } from './methods/tolerance.js';
export type { ColumnTolerances } from './methods/tolerance.js';
export { binIndex, binPsi, countBins, createBinCounts, MISSING_BIN, referenceBins, UNSEEN_BIN } from './fleet-bins.js';
export type { BinCounts, FeatureBins } from './fleet-bins.js';
export type { ColumnReport, ColumnStatus, DriftMethod, DriftReport, DriftTestReport } from './methods/report.js';
export { STATTESTS } from './stats/index.js';
export type { DecisionDirection, StatTestMetadata, StatTestName } from './stats/stattest.js';
