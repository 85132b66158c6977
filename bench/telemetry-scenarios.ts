/**
 * The scenarios of the telemetry benchmark (bench/telemetry.ts): what each server runs with, and
 * how it is started.
 */
import { fileURLToPath } from 'node:url';
import type { OtlpSink } from './otlp-sink.js';
import { freePort, startService, type ServiceProcess } from './service-process.js';

export const root = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
const SERVER = `${root}/dist/server.js`;
const INSTRUMENTATION = `${root}/dist/telemetry/instrumentation.js`;

export interface TelemetryBenchOptions {
  readonly quick: boolean;
  readonly rounds: number;
  readonly durationSeconds: number;
  readonly connections: number;
  /** Open-loop rate, requests per second. */
  readonly rate: number;
  readonly warmupSeconds: number;
  readonly measureSeconds: number;
  /** % of core 0 taken by other processes above which a measurement is taken again (and flagged if it stays above). */
  readonly maxOtherLoad: number;
  /** Scenario id to profile with node --cpu-prof instead of running the benchmark. */
  readonly profile?: string;
  readonly profileSeconds: number;
  /** Open-loop scenario ids to run with GC and export timelines instead of the benchmark. */
  readonly diagnose?: string;
  /** Run the log-destination experiments instead of the benchmark. */
  readonly experiments?: boolean;
  /** Comma list of scenario ids to compare at saturation (the first is the baseline) instead of the benchmark. */
  readonly scenarios?: string;
}

export type Endpoint = { readonly kind: 'live' } | { readonly kind: 'closed'; readonly url: string };

export interface Scenario {
  readonly id: string;
  readonly label: string;
  /** The bare Fastify echo, not the service. */
  readonly echo?: boolean;
  /** Started with --import dist/telemetry/instrumentation.js, as `npm start` does. */
  readonly instrumentation: boolean;
  /** With `instrumentation`: this module is imported instead (bench/nodesdk.ts: a NodeSDK bootstrap). */
  readonly bootstrap?: string;
  readonly metrics: boolean;
  readonly logs: boolean;
  readonly tracing?: { readonly ratio: number; readonly instrumentations: string; readonly endpoint: Endpoint };
  /** Experiments only: dist's app behind bench/log-destination-server.ts instead of dist/server.js. */
  readonly entry?: 'log-destination';
  /** Experiments only: more variables. */
  readonly extraEnv?: Record<string, string>;
}

const live: Endpoint = { kind: 'live' };
export const SCENARIOS: readonly Scenario[] = [
  { id: 'bare', label: '(1) bare Fastify POST + schema', echo: true, instrumentation: false, metrics: false, logs: false },
  { id: 'off', label: '(2) telemetry off, no --import', instrumentation: false, metrics: false, logs: false },
  { id: 'off-import', label: '(2b) telemetry off, --import + OTEL_SDK_DISABLED', instrumentation: true, metrics: false, logs: false },
  { id: 'metrics-logs', label: '(3) metrics + logs', instrumentation: true, metrics: true, logs: true },
  {
    id: 'metrics-logs-all',
    label: '(3b) metrics + logs, every success logged (LOG_SUCCESS_MAX_PER_SECOND=0)',
    instrumentation: true,
    metrics: true,
    logs: true,
    extraEnv: { LOG_SUCCESS_MAX_PER_SECOND: '0' },
  },
  {
    id: 'full-10',
    label: '(4) metrics + logs + traces 10 %',
    instrumentation: true,
    metrics: true,
    logs: true,
    tracing: { ratio: 0.1, instrumentations: 'fastify', endpoint: live },
  },
  {
    id: 'full-100',
    label: '(5) metrics + logs + traces 100 %',
    instrumentation: true,
    metrics: true,
    logs: true,
    tracing: { ratio: 1, instrumentations: 'fastify', endpoint: live },
  },
  { id: 'metrics-only', label: 'metrics only', instrumentation: true, metrics: true, logs: false },
  {
    id: 'logs-only',
    label: 'logs only (at most 100 success lines a second, the default)',
    instrumentation: true,
    metrics: false,
    logs: true,
  },
  {
    id: 'logs-only-all',
    label: 'logs only, every success logged',
    instrumentation: true,
    metrics: false,
    logs: true,
    extraEnv: { LOG_SUCCESS_MAX_PER_SECOND: '0' },
  },
  {
    id: 'trace-10',
    label: 'traces only 10 %',
    instrumentation: true,
    metrics: false,
    logs: false,
    tracing: { ratio: 0.1, instrumentations: 'fastify', endpoint: live },
  },
  {
    id: 'trace-100',
    label: 'traces only 100 %',
    instrumentation: true,
    metrics: false,
    logs: false,
    tracing: { ratio: 1, instrumentations: 'fastify', endpoint: live },
  },
  // What tracing costs a request that is not sampled: hooks, context, the sampler, promise hooks.
  {
    id: 'trace-0',
    label: 'traces only 0 % (ratio 0: what an unsampled request pays)',
    instrumentation: true,
    metrics: false,
    logs: false,
    tracing: { ratio: 0, instrumentations: 'fastify', endpoint: live },
  },
  {
    id: 'trace-http-10',
    label: 'traces only 10 %, fastify + http',
    instrumentation: true,
    metrics: false,
    logs: false,
    tracing: { ratio: 0.1, instrumentations: 'fastify,http', endpoint: live },
  },
];
export const byId = (id: string) => SCENARIOS.find((s) => s.id === id)!;

/** Open-loop runs, in this order: the collector-down run right after its live twin. */
export const OPEN_LOOP = ['off', 'metrics-logs', 'full-10', 'down-10', 'full-100'] as const;
export type OpenLoopId = (typeof OPEN_LOOP)[number];

function scenarioEnv(s: Scenario, sink: OtlpSink | undefined): Record<string, string> {
  const env: Record<string, string> = {
    DRIFT_ENABLED: 'false',
    METRICS_ENABLED: String(s.metrics),
    LOG_LEVEL: s.logs ? 'info' : 'warn',
    OTEL_SDK_DISABLED: String(!s.tracing),
  };
  if (s.tracing) {
    const { endpoint } = s.tracing;
    if (endpoint.kind === 'live' && !sink) throw new Error(`${s.id}: no collector`);
    Object.assign(env, {
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: String(s.tracing.ratio),
      OTEL_NODE_ENABLED_INSTRUMENTATIONS: s.tracing.instrumentations,
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint.kind === 'live' ? sink!.endpoint : endpoint.url,
    });
  }
  return { ...env, ...s.extraEnv };
}

export function start(
  s: Scenario,
  sink: OtlpSink | undefined,
  extra: { stdoutFile?: string; nodeArgs?: string[]; pollMs?: number } = {},
): Promise<ServiceProcess> {
  const instrumentation = s.instrumentation ? ['--import', s.bootstrap ?? INSTRUMENTATION] : [];
  const args = s.echo
    ? ['--import', 'tsx', `${root}/bench/bare-echo.ts`]
    : s.entry === 'log-destination'
      ? [
          '--enable-source-maps',
          ...(extra.nodeArgs ?? []),
          '--import',
          'tsx',
          ...instrumentation,
          `${root}/bench/log-destination-server.ts`,
        ]
      : ['--enable-source-maps', ...(extra.nodeArgs ?? []), ...instrumentation, SERVER];
  return startService({
    name: s.id,
    args,
    env: scenarioEnv(s, sink),
    readyPath: s.echo ? '/health' : '/ready',
    ...(extra.stdoutFile && { stdoutFile: extra.stdoutFile }),
    ...(extra.pollMs && { pollMs: extra.pollMs }),
    deadlineMs: 60_000,
  });
}

export const predictPath = (s: Scenario) => (s.echo ? '/echo' : '/predict');

export async function openLoopScenario(id: OpenLoopId): Promise<Scenario> {
  if (id !== 'down-10') return byId(id);
  const live10 = byId('full-10');
  const closed: Endpoint = { kind: 'closed', url: `http://127.0.0.1:${await freePort()}` };
  return { ...live10, id, label: '(4) 10 %, collector down', tracing: { ...live10.tracing!, endpoint: closed } };
}

/** Variants of the log destination (bench/log-destination-server.ts), against server.ts's own. */
export const EXPERIMENTS: readonly Scenario[] = [
  {
    ...byId('logs-only'),
    id: 'logs-only-control',
    label: 'logs only, experiment server, minLength 0 (as server.ts)',
    entry: 'log-destination',
  },
  {
    ...byId('logs-only'),
    id: 'logs-only-4k',
    label: 'logs only, minLength 4096',
    entry: 'log-destination',
    extraEnv: { BENCH_LOG_MIN_LENGTH: '4096' },
  },
  {
    ...byId('logs-only'),
    id: 'logs-only-sync',
    label: 'logs only, sync: true',
    entry: 'log-destination',
    extraEnv: { BENCH_LOG_SYNC: 'true' },
  },
  {
    ...byId('logs-only'),
    id: 'logs-only-noop',
    label: 'logs only, formatted then dropped (no write)',
    entry: 'log-destination',
    extraEnv: { BENCH_LOG_NOOP: 'true' },
  },
  byId('metrics-logs'),
  {
    ...byId('metrics-logs'),
    id: 'metrics-logs-4k',
    label: '(3) metrics + logs, minLength 4096',
    entry: 'log-destination',
    extraEnv: { BENCH_LOG_MIN_LENGTH: '4096' },
  },
  // The service scoring every request with onnxruntime (MODEL_SCORER=onnxruntime): what the
  // JavaScript tree evaluator saves a request.
  {
    ...byId('off'),
    id: 'off-onnxruntime',
    label: '(2) telemetry off, MODEL_SCORER=onnxruntime',
    extraEnv: { MODEL_SCORER: 'onnxruntime' },
  },
  { ...byId('trace-10'), id: 'trace-1', label: 'traces only 1 %', tracing: { ...byId('trace-10').tracing!, ratio: 0.01 } },
  // Smaller export batches: shorter serialization stalls of the event loop, as many bytes in all.
  {
    ...byId('full-10'),
    id: 'full-10-batch128',
    label: '(4) 10 %, OTEL_BSP_MAX_EXPORT_BATCH_SIZE=128',
    extraEnv: { OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '128' },
  },
];

/** --experiments: the log destination variants against server.ts's own, at saturation. */
export const LOG_EXPERIMENTS = [
  'off',
  'logs-only',
  'logs-only-control',
  'logs-only-4k',
  'logs-only-sync',
  'logs-only-noop',
  'metrics-logs',
  'metrics-logs-4k',
];

/** A scenario by id, from the benchmark's, the collector-down one, or the experiments. */
export async function anyScenario(id: string): Promise<Scenario> {
  if ((OPEN_LOOP as readonly string[]).includes(id)) return openLoopScenario(id as OpenLoopId);
  const found = [...SCENARIOS, ...EXPERIMENTS].find((s) => s.id === id);
  if (!found) throw new Error(`unknown scenario ${id} (known: ${[...SCENARIOS, ...EXPERIMENTS].map((s) => s.id).join(', ')}, down-10)`);
  return found;
}
