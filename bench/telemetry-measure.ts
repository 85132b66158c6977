/** Measurements of one server: at saturation (closed loop) and at a fixed rate (open loop). */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { rssMb, runLoad } from './lib.js';
import { runOpenLoop, type OpenLoopResult } from './open-loop.js';
import type { OtlpSink } from './otlp-sink.js';
import { coreBusySeconds, cpuSeconds, scrape, type ServiceProcess } from './service-process.js';
import { predictPath, root, start, type Scenario, type TelemetryBenchOptions } from './telemetry-scenarios.js';

export const fmt = (ms: number, digits = 2) => (Number.isFinite(ms) ? ms.toFixed(digits) : '∞');

export function table(header: string[], rows: (string | number)[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

export interface SaturationSample {
  readonly reqPerSec: number;
  readonly cpuUsPerReq: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  /** Share of core 0 busy with anything but the server during the window (other jobs, kernel), %. */
  readonly otherLoadPercent: number;
}

/** Core 0 time not spent in `pid` over a window, as a percentage of the window. */
function otherLoad(pid: number) {
  const cpu = cpuSeconds(pid);
  const core = coreBusySeconds(0);
  const wall = performance.now();
  return () => (100 * (coreBusySeconds(0) - core - (cpuSeconds(pid) - cpu))) / ((performance.now() - wall) / 1000);
}

/**
 * Run `measure` again (up to `attempts` times in all) while another process took more than
 * `maxOtherLoad` % of core 0 during it; keep the least disturbed run. On a shared machine a job
 * that lands on core 0 halves req/s and puts its time slices into the tail.
 */
export async function leastDisturbed<T extends { readonly otherLoadPercent: number }>(
  what: string,
  maxOtherLoad: number,
  attempts: number,
  measure: () => Promise<T>,
): Promise<T> {
  let best = await measure();
  for (let attempt = 1; attempt < attempts && best.otherLoadPercent > maxOtherLoad; attempt++) {
    console.log(`  ${what}: other load on core 0 was ${best.otherLoadPercent.toFixed(0)} % (> ${maxOtherLoad} %), measuring again`);
    const again = await measure();
    if (again.otherLoadPercent < best.otherLoadPercent) best = again;
  }
  return best;
}

export async function saturate(
  server: ServiceProcess,
  s: Scenario,
  body: string,
  connections: number,
  seconds: number,
): Promise<SaturationSample> {
  const before = cpuSeconds(server.pid);
  const other = otherLoad(server.pid);
  const r = await runLoad({ url: `${server.url}${predictPath(s)}`, body, connections, durationSeconds: seconds });
  const cpu = cpuSeconds(server.pid) - before;
  return {
    reqPerSec: r.requestsPerSecond,
    cpuUsPerReq: (cpu * 1e6) / Math.max(1, r.total),
    p50Ms: r.p50Ms,
    p99Ms: r.p99Ms,
    errors: r.errors,
    otherLoadPercent: Math.max(0, other()),
  };
}

export interface LogSummary {
  readonly lines: number;
  /** warn, error and fatal lines written before the server was told to stop. */
  readonly warnLines: number;
  /** The same, written while shutting down (a final flush to a dead collector fails once more). */
  readonly warnLinesAtShutdown: number;
  readonly warnings: string[];
  readonly sampledRequests: number;
}

function summarizeLog(file: string, stoppedAt: number): LogSummary {
  let lines = 0;
  let warnLines = 0;
  let warnLinesAtShutdown = 0;
  let sampledRequests = 0;
  const warnings: string[] = [];
  for (const text of readFileSync(file, 'utf8').split('\n')) {
    if (text === '') continue;
    lines++;
    let line: { level?: string; msg?: string; time?: string; trace_sampled?: boolean; suppressed_since_last?: number };
    try {
      line = JSON.parse(text) as typeof line;
    } catch {
      continue;
    }
    if (line.level === 'warn' || line.level === 'error' || line.level === 'fatal') {
      const atShutdown = Date.parse(line.time ?? '') >= stoppedAt;
      if (atShutdown) warnLinesAtShutdown++;
      else warnLines++;
      if (warnings.length < 10) {
        const suppressed = line.suppressed_since_last ? ` (${line.suppressed_since_last} suppressed before)` : '';
        warnings.push(`${atShutdown ? 'at shutdown, ' : ''}${line.level}: ${String(line.msg).slice(0, 160)}${suppressed}`);
      }
    }
    if (line.msg === 'prediction_completed' && line.trace_sampled) sampledRequests++;
  }
  return { lines, warnLines, warnLinesAtShutdown, warnings, sampledRequests };
}

export interface OpenLoopFigures extends OpenLoopResult {
  readonly id: string;
  readonly label: string;
  readonly serverCpuUsPerReq: number;
  readonly serverCpuPercent: number;
  readonly otherLoadPercent: number;
  readonly rssMbAfter: number;
  readonly log: LogSummary;
  readonly stderrLines: number;
  readonly spans?: {
    readonly sampledRequests: number;
    readonly sampled: number;
    readonly exported: number;
    readonly failed: number;
    readonly dropped: number;
    readonly queuedAtEnd: number;
    readonly received: number;
  };
}

export interface Diagnosis {
  readonly measureStartEpochMs: number;
  readonly gcPauses: readonly { readonly gc: string; readonly epochMs: number; readonly durationMs: number }[];
  /** Event-loop stalls of 2 ms or more (bench/gc-monitor.ts). */
  readonly stalls: readonly { readonly epochMs: number; readonly durationMs: number }[];
  readonly exports: readonly { readonly epochMs: number; readonly spans: number }[];
  readonly cpuSamples: readonly {
    readonly epochMs: number;
    readonly core: number;
    readonly server: number;
    readonly core1: number;
    readonly generator: number;
    readonly sink: number;
  }[];
}

/**
 * One open-loop run on a fresh server. `diagnose`: the server also loads bench/gc-monitor.ts, and
 * the GC pauses and export arrivals of the run are returned to line up with the slowest requests.
 */
export async function openLoop(
  scenario: Scenario,
  sink: OtlpSink,
  body: string,
  options: TelemetryBenchOptions,
  dir: string,
  diagnose = false,
): Promise<OpenLoopFigures & { diagnosis?: Diagnosis }> {
  const logFile = join(dir, `${scenario.id}.log`);
  const nodeArgs = diagnose ? ['--import', 'tsx', '--import', `${root}/bench/gc-monitor.ts`] : [];
  const server = await start(scenario, sink, { stdoutFile: logFile, nodeArgs });
  let cpuStart = 0;
  let cpuEnd = 0;
  let wallStart = 0;
  let wallEnd = 0;
  let other: () => number = () => NaN;
  let otherLoadPercent = NaN;
  // diagnose: core 0 and server CPU every 10 ms (the /proc tick), to find stalls that were not ours.
  const samples: Diagnosis['cpuSamples'][number][] = [];
  let generatorPid = 0;
  const sampler = diagnose
    ? setInterval(() => {
        samples.push({
          epochMs: Date.now(),
          core: coreBusySeconds(0),
          server: cpuSeconds(server.pid),
          core1: coreBusySeconds(1),
          generator: generatorPid ? cpuSeconds(generatorPid) : 0,
          sink: cpuSeconds(sink.pid),
        });
      }, 10)
    : undefined;
  const result = await runOpenLoop(
    {
      url: `${server.url}/predict`,
      body,
      rate: options.rate,
      warmupSeconds: options.warmupSeconds,
      measureSeconds: options.measureSeconds,
      maxSockets: 64,
      drainMs: 5000,
    },
    {
      onStart: (pid) => (generatorPid = pid),
      onMeasureStart: () => {
        cpuStart = cpuSeconds(server.pid);
        wallStart = performance.now();
        other = otherLoad(server.pid);
      },
      onMeasureEnd: () => {
        cpuEnd = cpuSeconds(server.pid);
        wallEnd = performance.now();
        otherLoadPercent = Math.max(0, other());
      },
    },
  );
  clearInterval(sampler);
  const rssMbAfter = rssMb(server.pid);
  const metrics = scenario.metrics ? await scrape(server.url) : undefined;
  // Graceful stop: the queue is exported before exit (a dead collector: bounded by the grace).
  const stoppedAt = Date.now();
  await server.stop(scenario.tracing?.endpoint.kind === 'closed' ? 3000 : 15_000);
  const log = summarizeLog(logFile, stoppedAt);
  const requests = result.measured;
  const cpu = cpuEnd - cpuStart;
  let spans: OpenLoopFigures['spans'];
  if (scenario.tracing && metrics) {
    const outcome = (o: string) => metrics.get(`ml_otel_spans_total{outcome="${o}"}`) ?? NaN;
    const queuedAtEnd = metrics.get('ml_otel_span_queue_size') ?? NaN;
    const exported = outcome('exported');
    const failed = outcome('failed');
    const dropped = outcome('dropped');
    spans = {
      sampledRequests: log.sampledRequests,
      sampled: exported + failed + dropped + queuedAtEnd,
      exported,
      failed,
      dropped,
      queuedAtEnd,
      received: await sink.received(`${hostname()}-${server.pid}`),
    };
  }
  let diagnosis: Diagnosis | undefined;
  if (diagnose) {
    const gcPauses = server
      .stderr()
      .split('\n')
      .filter((l) => l.startsWith('{"gc"'))
      .map((l) => JSON.parse(l) as Diagnosis['gcPauses'][number]);
    const stalls = server
      .stderr()
      .split('\n')
      .filter((l) => l.startsWith('{"stall"'))
      .map((l) => JSON.parse(l) as Diagnosis['stalls'][number]);
    diagnosis = {
      measureStartEpochMs: performance.timeOrigin + wallStart,
      gcPauses,
      stalls,
      exports: scenario.tracing ? await sink.recentExports() : [],
      cpuSamples: samples,
    };
  }
  const figures: OpenLoopFigures & { diagnosis?: Diagnosis } = {
    ...result,
    id: scenario.id,
    label: scenario.label,
    serverCpuUsPerReq: (cpu * 1e6) / requests,
    serverCpuPercent: (100 * cpu) / ((wallEnd - wallStart) / 1000),
    otherLoadPercent,
    rssMbAfter,
    log,
    stderrLines: server
      .stderr()
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('{"gc"')).length,
    ...(spans && { spans }),
    ...(diagnosis && { diagnosis }),
  };
  console.log(
    `open loop ${scenario.id}: p50 ${fmt(result.p50Ms)} p99 ${fmt(result.p99Ms)} p99.9 ${fmt(result.p999Ms)} max ${fmt(result.maxMs)} ms, ` +
      `errors ${result.errors}, timeouts ${result.timeouts}, CPU ${figures.serverCpuUsPerReq.toFixed(0)} µs/req, RSS ${rssMbAfter.toFixed(0)} MB` +
      (spans ? `, spans sampled ${spans.sampled} received ${spans.received} dropped ${spans.dropped} failed ${spans.failed}` : '') +
      `, warn lines ${log.warnLines} (+${log.warnLinesAtShutdown} at shutdown)`,
  );
  return figures;
}
