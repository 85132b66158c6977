import type { LoadedModel } from './model/index.js';
import { createDriftJob, type DriftJob, type DriftJobOptions, type DriftRunOutcome } from './drift/job.js';
import type { ModelDistributions } from './drift/distributions.js';
import { createBinCounts, referenceBins, type BinCounts } from './drift/fleet-bins.js';
import { modelReference, type ModelDriftOptions, type ModelDriftReport } from './drift/model-drift.js';
import { createDriftWindow } from './drift/window.js';
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
  /**
   * Count every scored row in each model's fleet bins (drift/fleet-bins.ts) and hand each model's
   * counts over once, at creation (app.ts exports them as metrics). Without it nothing is counted.
   */
  readonly onBins?: (modelName: string, modelVersion: string, bins: BinCounts) => void;
}

export interface DriftEvaluation {
  readonly report: ModelDriftReport;
  /** Absent when the job's worker did not measure them (a test's stand-in worker). */
  readonly distributions: ModelDistributions | undefined;
}

/** The live drift monitor: windows filled by /predict, evaluated by a background job. */
export interface DriftMonitor {
  /** Copy a scored batch into its model's window and count it in its bins (the request path: no allocation). */
  record(model: LoadedModel, rows: number, input: Float32Array, given: Uint8Array, scores: Float32Array): void;
  /** The model's latest report, if one was computed yet (GET /drift). */
  latest(modelName: string, modelVersion: string): ModelDriftReport | undefined;
  /** The latest report with the distributions of the same window (GET /drift/{model}/{version}/report). */
  latestEvaluation(modelName: string, modelVersion: string): DriftEvaluation | undefined;
  /** Start the evaluation timer. */
  start(): void;
  /** Stop the timer and the worker, cancelling an evaluation in progress. */
  close(): Promise<void>;
}

/**
 * One window and one reference per model, both read through the model's own row layout; a job
 * compares them every interval in a worker thread. App layer, like app.ts: drift/ never sees the
 * model registry, and the reports and bin counts reach telemetry only through `onReport`, `onRun`
 * and `onBins`.
 */
export function createDriftMonitor(models: readonly LoadedModel[], options: DriftMonitorOptions): DriftMonitor {
  // The reference is rounded and binned here, once, in the main thread: the worker prepares the
  // same columns with the same functions, so the fleet bins are exactly the robust method's.
  const monitored = new Map(
    models.map((m) => {
      const reference = modelReference({
        modelName: m.name,
        modelVersion: m.version,
        layout: m.schema.layout,
        columns: m.reference.columns,
        scores: m.referencePredictions,
      });
      const window = createDriftWindow(m.schema.layout, options.windowSize);
      const bins = options.onBins ? createBinCounts(m.schema.layout, referenceBins(reference.columns)) : undefined;
      if (bins) options.onBins?.(m.name, m.version, bins);
      return [m, { reference, window, bins }] as const;
    }),
  );
  const featureNames = new Map(models.map((m) => [`${m.name}@${m.version}`, new Set(m.schema.names)]));
  const latest = new Map<string, DriftEvaluation>();
  const warnings = createRateLimitedWarner(options.log, 60_000);
  const job = (options.createJob ?? createDriftJob)({
    models: [...monitored.values()].map(({ reference, window }) => ({ reference, window })),
    intervalMs: options.intervalMs,
    method: options.method,
    minRows: options.minRows,
    ...(options.datasetShare !== undefined && { datasetShare: options.datasetShare }),
    onReport: (report, distributions) => {
      const key = `${report.model_name}@${report.model_version}`;
      latest.set(key, { report, distributions });
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
    record(model, rows, input, given, scores) {
      const entry = monitored.get(model);
      if (!entry) return;
      entry.window.append(rows, input, given, scores);
      entry.bins?.append(rows, input, given);
    },
    latest: (name, version) => latest.get(`${name}@${version}`)?.report,
    latestEvaluation: (name, version) => latest.get(`${name}@${version}`),
    start: () => job.start(),
    close: () => job.close(),
  };
}
