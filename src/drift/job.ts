import { Worker } from 'node:worker_threads';
import type { EvaluateRequest, EvaluateResponse, WorkerInit } from './drift-worker.js';
import type { ModelDistributions } from './distributions.js';
import type { ModelDriftOptions, ModelDriftReport, ModelReference } from './model-drift.js';
import type { DriftWindow } from './window.js';

export interface MonitoredModel {
  readonly reference: ModelReference;
  readonly window: DriftWindow;
}

export type DriftRunOutcome = 'success' | 'skipped' | 'failed';

/** The part of a worker_threads Worker the job uses: a real Worker satisfies it. */
export type DriftWorkerThread = Pick<Worker, 'postMessage' | 'on' | 'terminate' | 'unref'>;

export interface DriftJobOptions extends ModelDriftOptions {
  readonly models: readonly MonitoredModel[];
  readonly intervalMs: number;
  /**
   * Each new report (app.ts publishes it as gauges and keeps it for GET /drift), with the
   * distributions of the same window (for the HTML report) when the worker measured them.
   */
  readonly onReport: (report: ModelDriftReport, distributions?: ModelDistributions) => void;
  /**
   * Every scheduled evaluation of a model, with its outcome (counted as a metric). An evaluation
   * cut short by close() has no outcome: shutting down is not a failure.
   */
  readonly onRun: (model: ModelReference, outcome: DriftRunOutcome) => void;
  /** A failed evaluation, a timeout or a crashed worker; the job goes on. Never called for close(). */
  readonly onError: (model: ModelReference | undefined, message: string) => void;
  /** Longest wait for one evaluation before it counts as failed and the worker is replaced. Default 60 000. */
  readonly evaluationTimeoutMs?: number;
  /**
   * Starts a worker answering EvaluateRequests (the protocol of drift-worker.ts). Default: the
   * drift-worker module beside this one. Tests pass workers that hang, crash or answer on demand.
   */
  readonly startWorker?: (init: WorkerInit) => DriftWorkerThread;
}

export interface DriftJob {
  /** Start the timer (unref'd: it never keeps the process alive). */
  start(): void;
  /**
   * Evaluate every model now, unless a run is still going (then every model counts as
   * skipped). Resolves when the run is over; never rejects.
   */
  runNow(): Promise<void>;
  /**
   * Stop the timer, cancel the evaluation in progress (reported neither as a run nor as an
   * error), terminate every worker and wait for the run to end. Idempotent.
   */
  close(): Promise<void>;
}

/**
 * Start the worker beside this module. From TypeScript sources (tests, `npm run dev`) the worker
 * registers tsx first: Node 20 ignores `--import` in a worker's execArgv.
 */
function startDriftWorker(workerData: WorkerInit): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./drift-worker.js', import.meta.url), { workerData });
  const entry = JSON.stringify(new URL('./drift-worker.ts', import.meta.url).href);
  return new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${entry}); });`, { eval: true, workerData });
}

type Evaluation =
  | { readonly status: 'done'; readonly report: ModelDriftReport; readonly distributions?: ModelDistributions }
  | { readonly status: 'failed'; readonly message: string }
  | { readonly status: 'cancelled' };

/**
 * One worker and the requests it owns. Requests live with their worker so that a retired
 * worker's late `exit` (after a timeout or a crash) settles only its own requests, never those
 * of the worker that replaced it.
 */
interface WorkerSlot {
  readonly thread: DriftWorkerThread;
  readonly pending: Map<number, (evaluation: Evaluation) => void>;
}

export function createDriftJob(options: DriftJobOptions): DriftJob {
  const { models, onReport, onRun, onError } = options;
  const timeoutMs = options.evaluationTimeoutMs ?? 60_000;
  const startWorker = options.startWorker ?? startDriftWorker;
  const init: WorkerInit = {
    references: models.map((m) => ({ ...m.reference, key: keyOf(m.reference) })),
    options: {
      method: options.method,
      minRows: options.minRows,
      ...(options.datasetShare !== undefined && { datasetShare: options.datasetShare }),
    },
  };
  /** The worker new requests go to; undefined until the first run and after it is retired. */
  let current: WorkerSlot | undefined;
  /** Every worker not yet exited, retired ones included: close() terminates and waits for them all. */
  const live = new Set<WorkerSlot>();
  let nextId = 0;
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closing: Promise<void> | undefined;

  /** Stop sending requests to this worker and settle the requests it still owns. */
  const retire = (slot: WorkerSlot, evaluation: Evaluation) => {
    if (current === slot) current = undefined;
    const settles = [...slot.pending.values()];
    slot.pending.clear();
    for (const settle of settles) settle(evaluation);
  };

  const spawn = (): WorkerSlot => {
    const slot: WorkerSlot = { thread: startWorker(init), pending: new Map() };
    live.add(slot);
    slot.thread.unref();
    slot.thread.on('message', (response: EvaluateResponse) => {
      slot.pending.get(response.id)?.(
        'error' in response
          ? { status: 'failed', message: response.error }
          : { status: 'done', report: response.report, distributions: response.distributions },
      );
    });
    // An uncaught exception in the worker: 'error', then 'exit'. The next evaluation starts a new worker.
    slot.thread.on('error', (err: Error) => retire(slot, { status: 'failed', message: `drift worker crashed: ${err.message}` }));
    slot.thread.on('exit', (code: number) => {
      live.delete(slot);
      retire(slot, { status: 'failed', message: `drift worker exited with code ${code}` });
    });
    return slot;
  };

  const evaluate = (model: MonitoredModel): Promise<Evaluation> => {
    const slot = (current ??= spawn());
    const id = nextId++;
    const snapshot = model.window.snapshot();
    const request: EvaluateRequest = { id, key: keyOf(model.reference), snapshot };
    return new Promise<Evaluation>((resolve) => {
      const timeout = setTimeout(() => {
        retire(slot, { status: 'failed', message: `drift evaluation took longer than ${timeoutMs} ms; worker replaced` });
        void slot.thread.terminate();
      }, timeoutMs);
      timeout.unref();
      const settle = (evaluation: Evaluation) => {
        clearTimeout(timeout);
        slot.pending.delete(id);
        resolve(evaluation);
      };
      slot.pending.set(id, settle);
      try {
        // The snapshot's buffers move to the worker: no copy, no retained memory here.
        slot.thread.postMessage(request, [...snapshot.columns.map((c) => c.buffer), snapshot.scores.buffer] as ArrayBuffer[]);
      } catch (err) {
        settle({
          status: 'failed',
          message: `drift evaluation not sent to the worker: ${err instanceof Error ? err.message : String(err)}`,
        });
      }
    });
  };

  const run = async () => {
    for (const model of models) {
      if (closing) return;
      let failure: string | undefined;
      try {
        const evaluation = await evaluate(model);
        // Cut short by close(): no outcome at all, the run just ends.
        if (evaluation.status === 'cancelled') return;
        if (evaluation.status === 'failed') failure = evaluation.message;
        else {
          onReport(evaluation.report, evaluation.distributions);
          onRun(model.reference, 'success');
        }
      } catch (err) {
        failure = err instanceof Error ? err.message : String(err);
      }
      if (failure !== undefined) {
        onRun(model.reference, 'failed');
        onError(model.reference, failure);
      }
    }
  };

  const runNow = (): Promise<void> => {
    if (closing) return running ?? Promise.resolve();
    if (running) {
      for (const model of models) onRun(model.reference, 'skipped');
      return running;
    }
    running = run().finally(() => (running = undefined));
    return running;
  };

  const close = async () => {
    if (timer) clearInterval(timer);
    const slots = [...live];
    for (const slot of slots) retire(slot, { status: 'cancelled' });
    await Promise.all(slots.map((slot) => slot.thread.terminate()));
    await running;
  };

  return {
    start() {
      if (timer || closing) return;
      timer = setInterval(() => void runNow(), options.intervalMs);
      timer.unref();
    },
    runNow,
    close() {
      closing ??= close();
      return closing;
    },
  };
}

const keyOf = (reference: ModelReference) => `${reference.modelName}\u0000${reference.modelVersion}`;
