import type { LoadedModel } from './model/index.js';
import { createDriftJob, type DriftJob, type DriftJobOptions, type DriftRunOutcome } from './drift/job.js';
import { modelReference, type ModelDriftOptions, type ModelDriftReport } from './drift/model-drift.js';
import { createDriftWindow, type DriftWindow } from './drift/window.js';
import { createRateLimitedWarner, type WarnSink } from './telemetry/rate-limited-log.js';

export interface DriftMonitorOptions extends ModelDriftOptions {
  /** Rows per model window (DRIFT_WINDOW_SIZE). */
  readonly windowSize: number;
  /** Between evaluations (DRIFT_INTERVAL_SECONDS). */
  readonly intervalMs: number;
  /** Where skipped and failed evaluations are reported, at most once a minute per kind. */
  readonly log: WarnSink;
  /** Each new report, with the model's feature names (the only keys its `features` may have). */
  readonly onReport?: (report: ModelDriftReport, featureNames: ReadonlySet<string>) => void;
  /** Every scheduled evaluation of a model and its outcome. */
  readonly onRun?: (modelName: string, modelVersion: string, outcome: DriftRunOutcome) => void;
  /** Builds the job (default createDriftJob); tests keep the job to evaluate without the timer. */
  readonly createJob?: (options: DriftJobOptions) => DriftJob;
}

/** The live drift monitor: windows filled by /predict, evaluated by a background job. */
export interface DriftMonitor {
  /** Copy a scored batch into its model's window (the request path: no allocation). */
  record(model: LoadedModel, rows: number, input: Float32Array, given: Uint8Array, scores: Float32Array): void;
  /** The model's latest report, if one was computed yet (GET /drift). */
  latest(modelName: string, modelVersion: string): ModelDriftReport | undefined;
  /** Start the evaluation timer. */
  start(): void;
  /** Stop the timer and the worker, cancelling an evaluation in progress. */
  close(): Promise<void>;
}

/**
 * One window and one reference per model, both read through the model's own row layout; a job
 * compares them every interval in a worker thread. App layer, like app.ts: drift/ never sees the
 * model registry, and the reports reach telemetry only through `onReport` and `onRun`.
 */
export function createDriftMonitor(models: readonly LoadedModel[], options: DriftMonitorOptions): DriftMonitor {
  const windows = new Map<LoadedModel, DriftWindow>(models.map((m) => [m, createDriftWindow(m.schema.layout, options.windowSize)]));
  const featureNames = new Map(models.map((m) => [`${m.name}@${m.version}`, new Set(m.schema.names)]));
  const latest = new Map<string, ModelDriftReport>();
  const warnings = createRateLimitedWarner(options.log, 60_000);
  const job = (options.createJob ?? createDriftJob)({
    models: [...windows].map(([model, window]) => ({
      reference: modelReference({
        modelName: model.name,
        modelVersion: model.version,
        layout: model.schema.layout,
        columns: model.reference.columns,
        scores: model.referencePredictions,
      }),
      window,
    })),
    intervalMs: options.intervalMs,
    method: options.method,
    minRows: options.minRows,
    onReport: (report) => {
      const key = `${report.model_name}@${report.model_version}`;
      latest.set(key, report);
      options.onReport?.(report, featureNames.get(key) ?? new Set());
    },
    onRun: (model, outcome) => {
      options.onRun?.(model.modelName, model.modelVersion, outcome);
      if (outcome === 'skipped')
        warnings.warn('drift: run skipped', 'drift evaluation skipped: the previous run is still going', { model_name: model.modelName });
    },
    onError: (model, message) =>
      warnings.warn('drift: evaluation failed', `drift evaluation failed: ${message.split('\n')[0]}`, {
        ...(model && { model_name: model.modelName, model_version: model.modelVersion }),
      }),
  });
  return {
    record: (model, rows, input, given, scores) => windows.get(model)?.append(rows, input, given, scores),
    latest: (name, version) => latest.get(`${name}@${version}`),
    start: () => job.start(),
    close: () => job.close(),
  };
}
