import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { WorkerInit } from '../../../src/drift/drift-worker.js';
import { createDriftJob, type DriftJob, type DriftJobOptions, type MonitoredModel } from '../../../src/drift/job.js';
import { createDriftWindow } from '../../../src/drift/window.js';

/**
 * A real worker thread speaking drift-worker.ts's protocol, whose behaviour is chosen by the model
 * name: it announces each request ({ started }) and then
 *   healthy -> answers with a (minimal) report at once
 *   waits   -> answers when the test posts { go: true } (so the test decides the order of events)
 *   hangs   -> spins forever (only terminate() stops it)
 *   throws  -> uncaught exception ('error' then 'exit')
 *   exits   -> process.exit(3) ('exit' only)
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const names = new Map(workerData.references.map((r) => [r.key, r.modelName]));
const held = [];
const answer = (request) => parentPort.postMessage({ id: request.id, report: { model_name: names.get(request.key), model_version: 'v1' } });
parentPort.on('message', (message) => {
  if (message.go) return held.splice(0).forEach(answer);
  const name = names.get(message.key);
  parentPort.postMessage({ started: name });
  if (name === 'healthy') answer(message);
  else if (name === 'waits') held.push(message);
  else if (name === 'hangs') for (;;);
  else if (name === 'throws') throw new Error('worker blew up');
  else if (name === 'exits') process.exit(3);
});
`;

interface TestWorker {
  readonly thread: Worker;
  /** Resolves once the worker has announced a request for this model. */
  started(name: string): Promise<void>;
  readonly exited: Promise<number>;
  hasExited(): boolean;
}

/** A startWorker option that records every worker it starts, listening from the first moment. */
function recordingFactory() {
  const workers: TestWorker[] = [];
  const startWorker = (init: WorkerInit): Worker => {
    const thread = new Worker(WORKER_SOURCE, { eval: true, workerData: init });
    const seen = new Set<string>();
    const waiting = new Map<string, () => void>();
    thread.on('message', (message: { started?: string }) => {
      if (message.started === undefined) return;
      seen.add(message.started);
      waiting.get(message.started)?.();
    });
    let exitedFlag = false;
    // Not events.once: it rejects on 'error', which the crashing worker emits first.
    const exited = new Promise<number>((resolve) =>
      thread.on('exit', (code) => {
        exitedFlag = true;
        resolve(code);
      }),
    );
    workers.push({
      thread,
      started: (name) => (seen.has(name) ? Promise.resolve() : new Promise((resolve) => waiting.set(name, resolve))),
      exited,
      hasExited: () => exitedFlag,
    });
    return thread;
  };
  return { workers, startWorker };
}

function monitored(name: string): MonitoredModel {
  const window = createDriftWindow({ width: 1, features: [{ name: 'x', type: 'numeric', offset: 0 }] }, 4);
  window.append(2, Float32Array.of(1, 2), Uint8Array.of(1, 1), Float32Array.of(0.1, 0.9));
  return { reference: { modelName: name, modelVersion: 'v1', columns: [], scores: new Float64Array(0) }, window };
}

/** A job over the named models whose callbacks are recorded, in order, as one list of events. */
function jobOver(names: readonly string[], overrides: Partial<DriftJobOptions> = {}) {
  const events: string[] = [];
  const errors: string[] = [];
  const factory = recordingFactory();
  const job = createDriftJob({
    models: names.map(monitored),
    intervalMs: 3_600_000,
    method: 'evidently',
    minRows: 1,
    evaluationTimeoutMs: 1_000,
    startWorker: factory.startWorker,
    onReport: (report) => events.push(`report ${report.model_name}`),
    onRun: (model, outcome) => events.push(`${outcome} ${model.modelName}`),
    onError: (model, message) => {
      events.push(`error ${model?.modelName}`);
      errors.push(message);
    },
    ...overrides,
  });
  jobs.push(job);
  return { job, events, errors, workers: factory.workers };
}

const jobs: DriftJob[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(jobs.splice(0).map((job) => job.close()));
});

describe('drift job: timeouts, crashes and shutdown', () => {
  // Only the job's evaluation timer is faked in the timeout tests: a timeout fires when the test
  // advances the clock, never because the machine is slow.
  const fakeEvaluationTimer = () => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });

  it('an evaluation that times out -> that model failed, its worker terminated and replaced; the next model succeeds on the new worker', async () => {
    fakeEvaluationTimer();
    const { job, events, errors, workers } = jobOver(['hangs', 'waits']);
    const run = job.runNow();
    await workers[0]!.started('hangs');
    vi.advanceTimersByTime(1_000);
    // The timed-out worker exits while the next model's request is pending on its replacement.
    await workers[0]!.exited;
    await workers[1]!.started('waits');
    workers[1]!.thread.postMessage({ go: true });
    await run;

    expect(events).toEqual(['failed hangs', 'error hangs', 'report waits', 'success waits']);
    expect(errors).toEqual(['drift evaluation took longer than 1000 ms; worker replaced']);
    expect(workers).toHaveLength(2);
    expect(workers[1]!.hasExited()).toBe(false);
  });

  it('a run started right after a run whose last model timed out -> its healthy model succeeds on a new worker', async () => {
    fakeEvaluationTimer();
    const { job, events, workers } = jobOver(['waits', 'hangs']);
    const first = job.runNow();
    await workers[0]!.started('waits');
    workers[0]!.thread.postMessage({ go: true });
    await workers[0]!.started('hangs');
    vi.advanceTimersByTime(1_000);
    await first;
    // Started before the timed-out worker has exited: its exit must not touch this run's request.
    const second = job.runNow();
    await workers[0]!.exited;
    await workers[1]!.started('waits');
    workers[1]!.thread.postMessage({ go: true });
    await workers[1]!.started('hangs');
    vi.advanceTimersByTime(1_000);
    await second;

    const oneRun = ['report waits', 'success waits', 'failed hangs', 'error hangs'];
    expect(events).toEqual([...oneRun, ...oneRun]);
    expect(workers).toHaveLength(2);
  });

  it('a worker that throws -> that model failed with the crash message, the worker replaced; the next model succeeds', async () => {
    const { job, events, errors, workers } = jobOver(['throws', 'waits']);
    const run = job.runNow();
    // The crashed worker's 'exit' follows its 'error' while the next model is pending on the new worker.
    await workers[0]!.exited;
    await workers[1]!.started('waits');
    workers[1]!.thread.postMessage({ go: true });
    await run;

    expect(events).toEqual(['failed throws', 'error throws', 'report waits', 'success waits']);
    expect(errors).toEqual([expect.stringMatching(/^drift worker crashed: .*worker blew up/)]);
    expect(workers).toHaveLength(2);
  });

  it('a worker that calls process.exit -> that model failed with the exit code, the worker replaced; the next model succeeds', async () => {
    const { job, events, errors, workers } = jobOver(['exits', 'healthy']);
    await job.runNow();

    expect(events).toEqual(['failed exits', 'error exits', 'report healthy', 'success healthy']);
    expect(errors).toEqual(['drift worker exited with code 3']);
    expect(workers).toHaveLength(2);
  });

  it('close() during a run -> no outcome and no error reported, the busy worker terminated, close and the run resolve without waiting for the evaluation', async () => {
    // An hour-long evaluation timeout: close() resolving proves it did not wait for the evaluation.
    const { job, events, workers } = jobOver(['hangs', 'healthy'], { evaluationTimeoutMs: 3_600_000 });
    let runSettled = false;
    const run = job.runNow().then(() => (runSettled = true));
    await workers[0]!.started('hangs');
    await job.close();

    expect(workers[0]!.hasExited()).toBe(true);
    expect(runSettled).toBe(true);
    await run;
    expect(events).toEqual([]);
    // Closed: a later run does nothing and starts no worker.
    await job.runNow();
    expect(events).toEqual([]);
    expect(workers).toHaveLength(1);
  });
});
