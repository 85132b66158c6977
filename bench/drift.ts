/**
 * npm run bench -- --only drift   (or: tsx bench/drift.ts [--quick])
 *
 * Drift monitor benchmark, three figures:
 *  1. evaluation time of 20 numeric features, 100k reference rows, a 10k window: in this thread
 *     (the pure computation) and through the worker job (snapshot transfer included), all three methods;
 *  2. the same statistics in scipy on the same data (bench/drift_scipy.py), and the ratio;
 *  3. event-loop delay p99 of the service under /predict load while drift evaluations run every
 *     second on a full 10k window, against the same load with drift off (interleaved rounds).
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createDriftJob } from '../src/drift/job.js';
import { prepareModel, type ModelDriftReport, type ModelReference } from '../src/drift/model-drift.js';
import type { DriftWindow } from '../src/drift/window.js';
import autocannon from 'autocannon';
import { readFile } from 'node:fs/promises';
import { CAN_PIN, median, startServer } from './lib.js';

const root = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, only: { type: 'string' } }, strict: false });
const quick = Boolean(values.quick);
const FEATURES = 20;
const REFERENCE_ROWS = 100_000;
const WINDOW_ROWS = 10_000;
const REPEATS = quick ? 3 : 7;

/** Seeded normal variates (mulberry32 + Box-Muller): the same data in every run and for scipy. */
function normals(seed: number, n: number, mean: number, sd: number): Float64Array {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = mean + sd * Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  return out;
}

// Half the features shifted by 0.2 sd in the window, so both drifted and clean columns are timed.
const reference: ModelReference = {
  modelName: 'bench',
  modelVersion: 'v1',
  columns: Array.from({ length: FEATURES }, (_, f) => ({
    name: `f${f}`,
    kind: 'numerical' as const,
    values: normals(1 + f, REFERENCE_ROWS, 100, 15),
  })),
  scores: normals(99, REFERENCE_ROWS, 0.2, 0.05),
};
const windowColumns = Array.from({ length: FEATURES }, (_, f) => normals(1001 + f, WINDOW_ROWS, f % 2 ? 103 : 100, 15));
const windowScores = normals(1999, WINDOW_ROWS, 0.2, 0.05);
const snapshot = () => ({
  rows: WINDOW_ROWS,
  total: WINDOW_ROWS,
  columns: windowColumns.map((c) => c.slice()),
  scores: windowScores.slice(),
});

export interface DriftBenchResult {
  method: string;
  prepareMs: number;
  evaluateMs: number;
  workerMs: number;
  scipyMs: number | undefined;
  drifted: number;
}

async function timeMethod(method: 'tolerance' | 'robust' | 'evidently'): Promise<DriftBenchResult> {
  let t = performance.now();
  const prepared = prepareModel(reference, { method, minRows: 100 });
  const prepareMs = performance.now() - t;
  const times: number[] = [];
  let report: ModelDriftReport | undefined;
  for (let i = 0; i < REPEATS; i++) {
    const s = snapshot();
    t = performance.now();
    report = prepared.evaluate(s);
    times.push(performance.now() - t);
  }

  // Through the job and its worker thread, as the service runs it.
  const window: DriftWindow = { capacity: WINDOW_ROWS, size: WINDOW_ROWS, append() {}, snapshot };
  const workerTimes: number[] = [];
  const job = createDriftJob({
    models: [{ reference, window }],
    intervalMs: 3_600_000,
    method,
    minRows: 100,
    onReport: () => {},
    onRun: (_m, outcome) => {
      if (outcome !== 'success') throw new Error(`drift run ${outcome}`);
    },
    onError: (_m, message) => console.error(message),
  });
  await job.runNow(); // spawns the worker and prepares the reference there
  for (let i = 0; i < REPEATS; i++) {
    t = performance.now();
    await job.runNow();
    workerTimes.push(performance.now() - t);
  }
  await job.close();
  return {
    method,
    prepareMs,
    evaluateMs: median(times),
    workerMs: median(workerTimes),
    scipyMs: undefined,
    drifted: report!.drifted_features.length,
  };
}

async function timeScipy(): Promise<Record<string, number> | undefined> {
  const dir = await mkdtemp(join(tmpdir(), 'drift-bench-'));
  try {
    const write = (name: string, columns: Float64Array[]) => {
      const out = new Float64Array(columns.length * columns[0]!.length);
      columns.forEach((c, i) => out.set(c, i * c.length));
      return writeFile(join(dir, name), out);
    };
    await write(
      'reference.f64',
      reference.columns.map((c) => c.values),
    );
    await write('current.f64', windowColumns);
    const run = spawnSync('python3', [`${root}/bench/drift_scipy.py`, dir, String(FEATURES), String(REPEATS)], { encoding: 'utf8' });
    if (run.status !== 0) {
      console.warn(`scipy comparison skipped: ${run.stderr.trim().split('\n').pop()}`);
      return undefined;
    }
    return JSON.parse(run.stdout) as Record<string, number>;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Event-loop delay p99 (prom-client's monitorEventLoopDelay gauge, reset at each scrape) under load. */
async function eventLoopLag(
  driftOn: boolean,
  durationSeconds: number,
): Promise<{ lagP99Ms: number; requestsPerSecond: number; evaluations: number }> {
  const env: Record<string, string> = driftOn
    ? {
        DRIFT_ENABLED: 'true',
        DRIFT_WINDOW_SIZE: String(WINDOW_ROWS),
        DRIFT_INTERVAL_SECONDS: '1',
        OTEL_SDK_DISABLED: 'true',
        LOG_LEVEL: 'warn',
      }
    : { DRIFT_ENABLED: 'false', OTEL_SDK_DISABLED: 'true', LOG_LEVEL: 'warn' };
  const server = await startServer(driftOn ? 'drift on' : 'drift off', ['--enable-source-maps', `${root}/dist/server.js`], {
    ...env,
    LOG_LEVEL: 'info',
  });
  try {
    // Realistic rows (the reference's first 200, cycled), not one body: a window of identical
    // values is the worst case of the exact KS computation, not what traffic looks like.
    const csv = (await readFile(`${root}/models/fraud-detection/v1.0/reference.csv`, 'utf8')).trim().split('\n');
    const header = csv[0]!.split(',');
    const bodies = csv.slice(1, 201).map((line) =>
      JSON.stringify({
        features: Object.fromEntries(line.split(',').map((cell, i) => [header[i]!, Number.isNaN(Number(cell)) ? cell : Number(cell)])),
      }),
    );
    const load = async (options: { connections: number; amount?: number; duration?: number }) => {
      const result = await autocannon({
        url: `${server.url}/predict`,
        connections: options.connections,
        ...(options.amount ? { amount: options.amount } : { duration: options.duration ?? 10 }),
        requests: bodies.map((body) => ({
          method: 'POST' as const,
          path: '/predict',
          headers: { 'content-type': 'application/json' },
          body,
        })),
      });
      return { requestsPerSecond: result.requests.average };
    };
    // Fill the window first, so every evaluation during the measurement sees 10k rows.
    await load({ connections: 20, amount: WINDOW_ROWS });
    const scrape = async () => (await fetch(`${server.url}/metrics`)).text();
    const gauge = (text: string, name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text)?.[1] ?? NaN);
    const before = await scrape();
    const measured = await load({ connections: 50, duration: durationSeconds });
    const after = await scrape();
    const runs = (text: string) =>
      gauge(text, 'ml_drift_runs_total\\{model_name="fraud-detection",model_version="v1.0",outcome="success"\\}');
    return {
      lagP99Ms: gauge(after, 'nodejs_eventloop_lag_p99_seconds') * 1000,
      requestsPerSecond: measured.requestsPerSecond,
      evaluations: driftOn ? runs(after) - runs(before) : 0,
    };
  } finally {
    await server.stop();
  }
}

export async function runDriftBench(): Promise<string> {
  const lines: string[] = [];
  const log = (line: string) => (console.log(line), lines.push(line));
  log(`drift evaluation: ${FEATURES} numeric features, ${REFERENCE_ROWS} reference rows, ${WINDOW_ROWS}-row window (median of ${REPEATS})`);
  const scipy = await timeScipy();
  log('| method | prepare (once) | evaluate, this thread | evaluate, via worker job | scipy, same tests | scipy ÷ ours | drifted |');
  log('|---|---|---|---|---|---|---|');
  for (const method of ['tolerance', 'robust', 'evidently'] as const) {
    const r = await timeMethod(method);
    // scipy runs robust's and evidently's tests (bench/drift_scipy.py); the tolerance method's are not there.
    const s = method === 'tolerance' ? undefined : scipy?.[method];
    log(
      `| ${method} | ${r.prepareMs.toFixed(0)} ms | ${r.evaluateMs.toFixed(1)} ms | ${r.workerMs.toFixed(1)} ms | ${s === undefined ? 'n/a' : `${s.toFixed(1)} ms`} | ${s === undefined ? 'n/a' : (s / r.evaluateMs).toFixed(1) + '×'} | ${r.drifted}/${FEATURES} |`,
    );
  }

  if (!CAN_PIN) log('(taskset unavailable: server and load share cores)');
  const rounds = quick ? 1 : 3;
  const duration = quick ? 5 : 10;
  const on: { lagP99Ms: number; requestsPerSecond: number; evaluations: number }[] = [];
  const off: typeof on = [];
  for (let round = 0; round < rounds; round++) {
    off.push(await eventLoopLag(false, duration));
    on.push(await eventLoopLag(true, duration));
  }
  log('');
  log(
    `event-loop delay under /predict load (50 connections, ${duration} s × ${rounds} rounds, medians), drift every 1 s on a ${WINDOW_ROWS}-row window:`,
  );
  log('| drift | req/s | event-loop delay p99 | evaluations during load |');
  log('|---|---|---|---|');
  log(`| off | ${median(off.map((r) => r.requestsPerSecond)).toFixed(0)} | ${median(off.map((r) => r.lagP99Ms)).toFixed(2)} ms | - |`);
  log(
    `| on | ${median(on.map((r) => r.requestsPerSecond)).toFixed(0)} | ${median(on.map((r) => r.lagP99Ms)).toFixed(2)} ms | ${median(on.map((r) => r.evaluations))} |`,
  );
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) await runDriftBench();
