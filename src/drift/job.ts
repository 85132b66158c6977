import { Worker } from 'node:worker_threads';
import type { EvaluateRequest, EvaluateResponse, WorkerInit } from './drift-worker.js';
import type { ModelDriftOptions, ModelDriftReport, ModelReference } from './model-drift.js';
import type { DriftWindow } from './window.js';

export interface MonitoredModel {
  readonly reference: ModelReference;
  readonly window: DriftWindow;
}

export type DriftRunOutcome = 'success' | 'skipped' | 'failed';

export interface DriftJobOptions extends ModelDriftOptions {
  readonly models: readonly MonitoredModel[];
  readonly intervalMs: number;
  /** Each new report (app.ts publishes it as gauges and keeps it for GET /drift). */
  readonly onReport: (report: ModelDriftReport) => void;
  /** Every scheduled evaluation of a model, with its outcome (counted as a metric). */
  readonly onRun: (model: ModelReference, outcome: DriftRunOutcome) => void;
  /** A failed evaluation or a crashed worker; the job goes on. */
  readonly onError: (model: ModelReference | undefined, message: string) => void;
  /** Longest wait for one evaluation before it counts as failed and the worker is replaced. */
  readonly evaluationTimeoutMs?: number;
}

export interface DriftJob {
  /** Start the timer (unref'd: it never keeps the process alive). */
  start(): void;
  /**
   * Evaluate every model now, unless a run is still going (then every model counts as
   * skipped). Resolves when the run is over; never rejects.
   */
  runNow(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Start the worker beside this module. From TypeScript sources (tests, `npm run dev`) the worker
 * registers tsx first: Node 20 ignores `--import` in a worker's execArgv.
 */
function startWorker(workerData: WorkerInit): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./drift-worker.js', import.meta.url), { workerData });
  const entry = JSON.stringify(new URL('./drift-worker.ts', import.meta.url).href);
  return new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${entry}); });`, { eval: true, workerData });
}

export function createDriftJob(options: DriftJobOptions): DriftJob {
  const { models, onReport, onRun, onError } = options;
  const timeoutMs = options.evaluationTimeoutMs ?? 60_000;
  const init: WorkerInit = {
    references: models.map((m) => ({ ...m.reference, key: keyOf(m.reference) })),
    options: { method: options.method, minRows: options.minRows },
  };
  let worker: Worker | undefined;
  let nextId = 0;
  const pending = new Map<number, (response: EvaluateResponse) => void>();
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const failAll = (message: string) => {
    for (const [id, resolve] of pending) resolve({ id, error: message });
    pending.clear();
  };
  const spawn = (): Worker => {
    const w = startWorker(init);
    w.unref();
    w.on('message', (response: EvaluateResponse) => {
      const resolve = pending.get(response.id);
      pending.delete(response.id);
      resolve?.(response);
    });
    // A crashed worker fails what it was doing; the next run starts a new one.
    w.on('error', (err) => {
      if (worker === w) worker = undefined;
      failAll(`drift worker crashed: ${err.message}`);
    });
    w.on('exit', (code) => {
      if (worker === w) worker = undefined;
      if (!closed) failAll(`drift worker exited with code ${code}`);
    });
    return w;
  };

  const evaluate = (model: MonitoredModel): Promise<EvaluateResponse> => {
    worker ??= spawn();
    const w = worker;
    const id = nextId++;
    const snapshot = model.window.snapshot();
    const request: EvaluateRequest = { id, key: keyOf(model.reference), snapshot };
    return new Promise<EvaluateResponse>((resolve) => {
      const timeout = setTimeout(() => {
        pending.delete(id);
        resolve({ id, error: `drift evaluation took longer than ${timeoutMs} ms; worker replaced` });
        if (worker === w) worker = undefined;
        void w.terminate();
      }, timeoutMs);
      timeout.unref();
      pending.set(id, (response) => {
        clearTimeout(timeout);
        resolve(response);
      });
      // The snapshot's buffers move to the worker: no copy, no retained memory here.
      w.postMessage(request, [...snapshot.columns.map((c) => c.buffer), snapshot.scores.buffer] as ArrayBuffer[]);
    });
  };

  const run = async () => {
    for (const model of models) {
      if (closed) return;
      try {
        const response = await evaluate(model);
        if ('error' in response) {
          onRun(model.reference, 'failed');
          onError(model.reference, response.error);
        } else {
          onReport(response.report);
          onRun(model.reference, 'success');
        }
      } catch (err) {
        onRun(model.reference, 'failed');
        onError(model.reference, err instanceof Error ? err.message : String(err));
      }
    }
  };

  const runNow = (): Promise<void> => {
    if (running) {
      for (const model of models) onRun(model.reference, 'skipped');
      return running;
    }
    running = run().finally(() => (running = undefined));
    return running;
  };

  return {
    start() {
      if (timer || closed) return;
      timer = setInterval(() => void runNow(), options.intervalMs);
      timer.unref();
    },
    runNow,
    async close() {
      closed = true;
      if (timer) clearInterval(timer);
      failAll('drift job closed');
      const w = worker;
      worker = undefined;
      if (w) await w.terminate();
    },
  };
}

const keyOf = (reference: ModelReference) => `${reference.modelName}\u0000${reference.modelVersion}`;
