/**
 * NodeSDK benchmark (npm run bench -- --only nodesdk [--quick]): the hand-wired tracer provider
 * (src/telemetry/tracing.ts, loaded by dist/telemetry/instrumentation.js) against
 * @opentelemetry/sdk-node set up like it (bench/nodesdk-instrumentation.ts), in one run:
 *
 *  - NodeSDK with @fastify/otel, against ours with OTEL_NODE_ENABLED_INSTRUMENTATIONS=fastify;
 *  - NodeSDK with the http instrumentation of @opentelemetry/auto-instrumentations-node
 *    (OTEL_NODE_ENABLED_INSTRUMENTATIONS=http) + @fastify/otel, against ours with fastify,http.
 *
 *  1. Startup: spawn to the first 200 of /ready (polled every 5 ms), CPU time used by then and RSS
 *     at that moment; one unmeasured start of each first (page cache), then interleaved runs
 *     (alternating order), medians. Measured alongside: the service with tracing disabled, and
 *     NodeSDK as the bundle's `--import @opentelemetry/auto-instrumentations-node/register` sets it up
 *     (every default instrumentation, metric and log pipelines on).
 *  2. Saturation: 50 connections on each server at 10 % and at 0 % sampling (0 %: the cost every
 *     unsampled request pays), each NodeSDK server in A-B-B-A blocks with its hand-wired twin, round
 *     after round; req/s and server CPU per request as ratios to the twin, median over rounds.
 *  3. The OTEL_* variables are honoured: the live OTLP receiver (bench/otlp-sink.ts) counts spans by
 *     service.name (each server has its own OTEL_SERVICE_NAME), root spans against the requests the
 *     server counted (OTEL_TRACES_SAMPLER_ARG), spans per trace against the hand-wired twin (the
 *     same instrumentations), and the bootstrap reports which instrumentations it constructed.
 *
 * The rule: adopt NodeSDK if it is within 5 % of the hand wiring on startup and per request.
 * Servers on core 0, load and collector on core 1; metrics on, one log line per request,
 * DRIFT_ENABLED=false (as the telemetry benchmark).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import ts from 'typescript';
import { readBodies } from './core.js';
import { CAN_PIN, median, rssMb, runLoad } from './lib.js';
import { startOtlpSink, type OtlpSink } from './otlp-sink.js';
import type { ServiceSpans } from './otlp-sink-child.js';
import { coreBusySeconds, cpuSeconds, scrape, type ServiceProcess } from './service-process.js';
import { fmt, leastDisturbed, saturate, table, type SaturationSample } from './telemetry-measure.js';
import { ratioOf } from './telemetry-report.js';
import { root, start, type Scenario } from './telemetry-scenarios.js';

export interface NodeSdkBenchOptions {
  readonly quick: boolean;
  readonly rounds: number;
  readonly durationSeconds: number;
  readonly connections: number;
  /** Measured starts of each setup. */
  readonly startupRuns: number;
  /** % of core 0 taken by other processes above which a measurement is taken again. */
  readonly maxOtherLoad: number;
}

/** The rule: within 5 % on startup and per request. */
const TOLERANCE = 0.05;
/** OTEL_BSP_SCHEDULE_DELAY's default (both setups): after this, every ended span has been exported. */
const BSP_SCHEDULE_DELAY_MS = 5000;
const BOOTSTRAP_SOURCE = `${root}/bench/nodesdk-instrumentation.ts`;
// Under node_modules so that the bootstrap's imports resolve from the project; ignored by git.
const BOOTSTRAP = `${root}/node_modules/.cache/ml-service-bench/nodesdk-instrumentation.mjs`;

/** Transpile the bootstrap (types only: tsc checks it with the rest of bench/). */
async function writeBootstrap(): Promise<void> {
  const { outputText } = ts.transpileModule(await readFile(BOOTSTRAP_SOURCE, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    fileName: BOOTSTRAP_SOURCE,
  });
  await mkdir(BOOTSTRAP.slice(0, BOOTSTRAP.lastIndexOf('/')), { recursive: true });
  await writeFile(BOOTSTRAP, outputText);
}

type Setup = 'off' | 'hand' | 'nodesdk' | 'hand-http' | 'nodesdk-bundle' | 'nodesdk-defaults';
const LABELS: Record<Setup, string> = {
  off: 'tracing disabled (OTEL_SDK_DISABLED=true)',
  hand: 'hand-wired, @fastify/otel',
  nodesdk: 'NodeSDK, @fastify/otel',
  'hand-http': 'hand-wired, http + @fastify/otel',
  'nodesdk-bundle': 'NodeSDK + auto-instrumentations (http) + @fastify/otel',
  'nodesdk-defaults': 'NodeSDK defaults: auto-instrumentations-node/register (startup only)',
};
/** What the bootstrap must report having constructed. */
const EXPECTED_INSTRUMENTATIONS: Partial<Record<Setup, string>> = {
  nodesdk: '@fastify/otel',
  'nodesdk-bundle': '@opentelemetry/instrumentation-http,@fastify/otel',
};
const PAIRS = [
  { nodesdk: 'nodesdk', hand: 'hand' },
  { nodesdk: 'nodesdk-bundle', hand: 'hand-http' },
] as const satisfies readonly { nodesdk: Setup; hand: Setup }[];
const STARTUP_SETUPS: readonly Setup[] = ['off', 'hand', 'nodesdk', 'hand-http', 'nodesdk-bundle', 'nodesdk-defaults'];
const SATURATION_SETUPS: readonly Setup[] = ['hand', 'nodesdk', 'hand-http', 'nodesdk-bundle'];
const SAMPLING = [0.1, 0] as const;

/**
 * NodeSDK reads these; ours ignores them. OTEL_NODE_RESOURCE_DETECTORS=env: ours uses only the env
 * detector (NodeSDK's default adds process and host).
 */
const NODESDK_ENV = { OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none', OTEL_NODE_RESOURCE_DETECTORS: 'env' };

const percent = (ratio: number) => `${Math.round(ratio * 100)} %`;
const serviceName = (id: string) => `ml-service-bench-${id}`;

function scenario(setup: Setup, ratio: number): Scenario {
  const id = `${setup}-${Math.round(ratio * 100)}`;
  const base = { id, label: `${LABELS[setup]}, ${percent(ratio)}`, instrumentation: true, metrics: true, logs: true };
  if (setup === 'off') return { ...base, label: LABELS.off };
  if (setup === 'nodesdk-defaults') {
    // What the bundle's documented one-liner gives: every default instrumentation, all resource
    // detectors, OTLP metric and log pipelines; only the trace protocol is set, to reach the sink.
    // No exporter warm-up, and no Fastify instrumentation (the bundle has none).
    return {
      ...base,
      label: LABELS[setup],
      bootstrap: '@opentelemetry/auto-instrumentations-node/register',
      tracing: { ratio, instrumentations: '', endpoint: { kind: 'live' } },
      extraEnv: { OTEL_SERVICE_NAME: serviceName(id), OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc' },
    };
  }
  const nodesdk = setup === 'nodesdk' || setup === 'nodesdk-bundle';
  // The bundle reads OTEL_NODE_ENABLED_INSTRUMENTATIONS with its own names ("http"); @fastify/otel is added in code.
  const instrumentations = setup === 'nodesdk-bundle' ? 'http' : setup === 'hand-http' ? 'fastify,http' : 'fastify';
  return {
    ...base,
    ...(nodesdk && { bootstrap: BOOTSTRAP }),
    tracing: { ratio, instrumentations, endpoint: { kind: 'live' } },
    extraEnv: {
      OTEL_SERVICE_NAME: serviceName(id),
      ...(nodesdk && NODESDK_ENV),
      ...(setup === 'nodesdk-bundle' && { BENCH_NODESDK_BUNDLE: 'true' }),
    },
  };
}

/** The instrumentations a NodeSDK bootstrap reported on stderr, or undefined for ours. */
function reportedInstrumentations(server: ServiceProcess): string | undefined {
  const line = server
    .stderr()
    .split('\n')
    .find((l) => l.startsWith('{"nodesdkBootstrap"'));
  if (!line) return undefined;
  return (JSON.parse(line) as { nodesdkBootstrap: { instrumentations: string[] } }).nodesdkBootstrap.instrumentations.join(',');
}

interface StartupSample {
  readonly readyMs: number;
  readonly cpuSeconds: number;
  readonly rssMb: number;
  readonly otherLoadPercent: number;
}

async function startOnce(setup: Setup, sink: OtlpSink): Promise<StartupSample & { instrumentations: string | undefined }> {
  const core = coreBusySeconds(0);
  const wall = performance.now();
  const server = await start(scenario(setup, SAMPLING[0]), sink, { pollMs: 5 });
  const cpu = cpuSeconds(server.pid);
  const sample = {
    readyMs: server.readyMs,
    cpuSeconds: cpu,
    rssMb: rssMb(server.pid),
    // Core 0 time that was not the server's while it started (taskset execs node: one pid).
    otherLoadPercent: Math.max(0, (100 * (coreBusySeconds(0) - core - cpu)) / ((performance.now() - wall) / 1000)),
    instrumentations: reportedInstrumentations(server),
  };
  // Nothing to flush: SIGKILL at once instead of the drain delay of a graceful stop.
  await server.stop(0);
  return sample;
}

interface Check {
  readonly what: string;
  readonly measured: string;
  readonly pass: boolean;
}

interface SaturationFigures {
  readonly id: string;
  readonly setup: Setup;
  readonly ratio: number;
  readonly label: string;
  /** Per round, its windows (two: the A-B-B-A block). */
  readonly rounds: SaturationSample[][];
  requests?: number;
  spans?: ServiceSpans;
  spansDropped?: number;
  rssMbAfter?: number;
}

export async function runNodeSdkBench(options: NodeSdkBenchOptions): Promise<void> {
  const startedAt = Date.now();
  const load = () => loadavg()[0]!.toFixed(2);
  await writeBootstrap();
  const { singleBody } = await readBodies();
  const sink = await startOtlpSink();
  const checks: Check[] = [];
  try {
    // 1. Startup.
    const loadBeforeStartup = load();
    console.log(
      `nodesdk: startup, ${options.startupRuns} run(s) of each setup after one unmeasured start (load average ${loadBeforeStartup})…`,
    );
    const startup = new Map<Setup, StartupSample[]>(STARTUP_SETUPS.map((s) => [s, []]));
    for (const setup of STARTUP_SETUPS) {
      const first = await startOnce(setup, sink);
      const expected = EXPECTED_INSTRUMENTATIONS[setup];
      if (expected !== undefined) {
        checks.push({
          what: `${LABELS[setup]}: instrumentations constructed (OTEL_NODE_ENABLED_INSTRUMENTATIONS for the bundle)`,
          measured: first.instrumentations ?? 'no report from the bootstrap',
          pass: first.instrumentations === expected,
        });
      }
    }
    for (let run = 0; run < options.startupRuns; run++) {
      const order = run % 2 === 0 ? STARTUP_SETUPS : [...STARTUP_SETUPS].reverse();
      for (const setup of order) {
        const s = await leastDisturbed(`startup ${setup}`, options.maxOtherLoad, 3, () => startOnce(setup, sink));
        startup.get(setup)!.push(s);
        console.log(
          `startup ${run + 1}/${options.startupRuns} ${setup}: ready in ${s.readyMs.toFixed(0)} ms, CPU ${s.cpuSeconds.toFixed(2)} s, ` +
            `RSS ${s.rssMb.toFixed(0)} MB, other load on core 0 ${s.otherLoadPercent.toFixed(0)} %`,
        );
      }
    }
    const loadAfterStartup = load();

    // 2. Saturation, every server alive for the whole phase. The host's speed drifts by up to 2x
    // within a minute here, so each NodeSDK server is measured right beside its hand-wired twin,
    // in A-B-B-A blocks (B-A-A-B in odd rounds), which cancels a linear drift within the block.
    const loadBeforeSaturation = load();
    const figures: SaturationFigures[] = SATURATION_SETUPS.flatMap((setup) =>
      SAMPLING.map((ratio) => ({ id: scenario(setup, ratio).id, setup, ratio, label: scenario(setup, ratio).label, rounds: [] })),
    );
    const fig = (setup: Setup, ratio: number) => figures.find((f) => f.setup === setup && f.ratio === ratio)!;
    const blocks = PAIRS.flatMap((pair) => SAMPLING.map((ratio) => ({ hand: fig(pair.hand, ratio), nodesdk: fig(pair.nodesdk, ratio) })));
    console.log(
      `\nnodesdk: saturation, ${figures.length} servers, ${options.rounds} round(s) of A-B-B-A blocks × ${options.durationSeconds} s windows ` +
        `(load average ${loadBeforeSaturation})…`,
    );
    const servers = new Map<string, ServiceProcess>();
    for (const f of figures) servers.set(f.id, await start(scenario(f.setup, f.ratio), sink));
    for (const f of figures) {
      await runLoad({
        url: `${servers.get(f.id)!.url}/predict`,
        body: singleBody,
        connections: options.connections,
        durationSeconds: options.quick ? 1 : 2,
      });
    }
    for (let round = 0; round < options.rounds; round++) {
      for (const f of figures) f.rounds.push([]);
      for (const block of round % 2 === 0 ? blocks : [...blocks].reverse()) {
        const order =
          round % 2 === 0 ? [block.hand, block.nodesdk, block.nodesdk, block.hand] : [block.nodesdk, block.hand, block.hand, block.nodesdk];
        for (const f of order) {
          const s = scenario(f.setup, f.ratio);
          const r = await leastDisturbed(f.id, options.maxOtherLoad, 3, () =>
            saturate(servers.get(f.id)!, s, singleBody, options.connections, options.durationSeconds),
          );
          f.rounds[round]!.push(r);
          console.log(
            `round ${round + 1}/${options.rounds} ${f.id}: ${r.reqPerSec.toFixed(0)} req/s, ${r.cpuUsPerReq.toFixed(0)} µs CPU/req, ` +
              `p99 ${r.p99Ms} ms, errors ${r.errors}, other load ${r.otherLoadPercent.toFixed(0)} %`,
          );
        }
      }
    }
    const loadAfterSaturation = load();
    // 3. What reached the collector: every ended span is exported within the schedule delay.
    await sleep(BSP_SCHEDULE_DELAY_MS + 2000);
    for (const f of figures) {
      const server = servers.get(f.id)!;
      const m = await scrape(server.url);
      f.requests = [...m]
        .filter(([k]) => k.startsWith('ml_predictions_total{') && k.includes('status="success"'))
        .reduce((a, [, v]) => a + v, 0);
      f.spans = await sink.receivedByService(serviceName(f.id));
      const dropped = m.get('ml_otel_spans_total{outcome="dropped"}');
      if (dropped !== undefined) f.spansDropped = dropped;
      f.rssMbAfter = rssMb(server.pid);
    }
    await Promise.all([...servers.values()].map((server) => server.stop(0)));

    for (const f of figures) {
      const spans = f.spans!;
      const requests = f.requests!;
      if (f.ratio === 0) {
        checks.push({ what: `${f.label}: no span exported`, measured: `${spans.spans} spans`, pass: spans.spans === 0 });
        continue;
      }
      // Binomial: 4 standard deviations of the sampled share, plus in-flight requests at the end.
      const share = spans.roots / requests;
      const tolerance = 4 * Math.sqrt((f.ratio * (1 - f.ratio)) / requests) + 0.002;
      checks.push({
        what: `${f.label}: spans under OTEL_SERVICE_NAME=${serviceName(f.id)}, traces ÷ requests = OTEL_TRACES_SAMPLER_ARG=${f.ratio}`,
        measured: `${spans.spans} spans, ${spans.roots} traces ÷ ${requests} requests = ${share.toFixed(4)} (± ${tolerance.toFixed(4)})`,
        pass: spans.spans > 0 && Math.abs(share - f.ratio) <= tolerance,
      });
    }
    for (const pair of PAIRS) {
      const [n, h] = [fig(pair.nodesdk, SAMPLING[0]).spans!, fig(pair.hand, SAMPLING[0]).spans!];
      const names = (s: ServiceSpans) =>
        Object.keys(s.byName)
          .sort()
          .map((name) => `${name} ${(s.byName[name]! / Math.max(1, s.roots)).toFixed(2)}`)
          .join(', ');
      checks.push({
        what: `${LABELS[pair.nodesdk]}: the same spans per trace as ${LABELS[pair.hand]}`,
        measured: `${names(n)} | ${names(h)}`,
        pass: names(n) === names(h),
      });
    }

    // Ratios.
    const startupOf = (setup: Setup) => {
      const samples = startup.get(setup)!;
      return {
        readyMs: median(samples.map((s) => s.readyMs)),
        minMs: Math.min(...samples.map((s) => s.readyMs)),
        maxMs: Math.max(...samples.map((s) => s.readyMs)),
        cpuSeconds: median(samples.map((s) => s.cpuSeconds)),
        rssMb: median(samples.map((s) => s.rssMb)),
        otherLoadPercent: Math.max(...samples.map((s) => s.otherLoadPercent)),
      };
    };
    const startupRatio = (setup: Setup, base: Setup, field: 'readyMs' | 'cpuSeconds') =>
      median(startup.get(setup)!.map((s, i) => ratioOf(s[field], startup.get(base)![i]![field])));
    const mean = (xs: readonly number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
    const windows = (f: SaturationFigures) => f.rounds.flat();
    /** Per round: the block's mean over the hand-wired twin's mean. */
    const roundRatios = (f: SaturationFigures, base: SaturationFigures, field: 'reqPerSec' | 'cpuUsPerReq') =>
      f.rounds.map((r, i) => ratioOf(mean(r.map((w) => w[field])), mean(base.rounds[i]!.map((w) => w[field]))));
    const saturationRatio = (f: SaturationFigures, base: SaturationFigures, field: 'reqPerSec' | 'cpuUsPerReq') =>
      median(roundRatios(f, base, field));
    const spread = (xs: readonly number[]) => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;
    const verdicts = PAIRS.map((pair) => {
      const startupVsHand = startupRatio(pair.nodesdk, pair.hand, 'readyMs');
      const perRequest = SAMPLING.map((ratio) => {
        const rounds = roundRatios(fig(pair.nodesdk, ratio), fig(pair.hand, ratio), 'reqPerSec');
        return { ratio, reqPerSec: median(rounds), min: Math.min(...rounds), max: Math.max(...rounds) };
      });
      const pass = startupVsHand <= 1 + TOLERANCE && perRequest.every((p) => p.reqPerSec >= 1 - TOLERANCE);
      return { ...pair, startupVsHand, perRequest, pass };
    });

    // Report.
    const lines: string[] = [];
    if (options.quick) lines.push('**Quick smoke run**: too few runs and too short windows to judge; use the full run.', '');
    const handStartup = startupOf('hand');
    const handHttpStartup = startupOf('hand-http');
    const baseOf = (setup: Setup): Setup | undefined =>
      setup === 'nodesdk-defaults' ? 'hand' : PAIRS.find((p) => p.nodesdk === setup)?.hand;
    lines.push(
      `Startup: spawn to the first 200 of /ready (includes warming the span exporter), ${options.startupRuns} interleaved run(s) per setup, ` +
        `medians; ratios per run to the hand-wired twin, then median. Load average ${loadBeforeStartup} → ${loadAfterStartup}; pinned: ${CAN_PIN}.`,
      '',
      table(
        ['setup', 'ready ms (min–max)', '÷ hand-wired', 'CPU s to ready', 'RSS at ready MB', 'Δ RSS MB', 'other load on core 0, worst run'],
        STARTUP_SETUPS.map((setup) => {
          const s = startupOf(setup);
          const base = baseOf(setup);
          const baseFigures = base === 'hand-http' ? handHttpStartup : handStartup;
          return [
            LABELS[setup],
            `${s.readyMs.toFixed(0)} (${s.minMs.toFixed(0)}–${s.maxMs.toFixed(0)})`,
            base ? startupRatio(setup, base, 'readyMs').toFixed(3) : '-',
            s.cpuSeconds.toFixed(2),
            s.rssMb.toFixed(0),
            base ? `${s.rssMb - baseFigures.rssMb >= 0 ? '+' : ''}${(s.rssMb - baseFigures.rssMb).toFixed(0)}` : '-',
            `${s.otherLoadPercent.toFixed(0)} %`,
          ];
        }),
      ),
      '',
      `Saturation: ${options.connections} connections, ${options.rounds} round(s), each NodeSDK server beside its hand-wired twin at the same ` +
        `sampling in an A-B-B-A block of ${options.durationSeconds} s windows; server on core 0, load on core 1. Ratio of a round: the block's ` +
        `mean over the twin's mean; median (min–max) over rounds. req/s and p99: medians of all windows. Load average ${loadBeforeSaturation} → ${loadAfterSaturation}.`,
      '',
      table(
        [
          'scenario',
          'req/s',
          'req/s ÷ hand-wired (min–max)',
          'server CPU µs/req',
          'CPU ÷ hand-wired (min–max)',
          'p99 ms',
          'errors',
          'RSS after MB',
          'other load, worst window',
        ],
        figures.map((f) => {
          const base = baseOf(f.setup);
          const baseFig = base ? fig(base, f.ratio) : undefined;
          const ratioCell = (field: 'reqPerSec' | 'cpuUsPerReq') =>
            baseFig ? `${saturationRatio(f, baseFig, field).toFixed(3)} (${spread(roundRatios(f, baseFig, field))})` : '-';
          return [
            f.label,
            median(windows(f).map((r) => r.reqPerSec)).toFixed(0),
            ratioCell('reqPerSec'),
            median(windows(f).map((r) => r.cpuUsPerReq)).toFixed(0),
            ratioCell('cpuUsPerReq'),
            median(windows(f).map((r) => r.p99Ms)),
            windows(f).reduce((a, r) => a + r.errors, 0),
            f.rssMbAfter!.toFixed(0),
            `${Math.max(...windows(f).map((r) => r.otherLoadPercent)).toFixed(0)} %`,
          ];
        }),
      ),
      '',
      table(
        ['check', 'measured', 'passed'],
        checks.map((c) => [c.what, c.measured, c.pass ? 'yes' : '**no**']),
      ),
      '',
      ...(checks.some((c) => !c.pass)
        ? ['**A check failed**: the setups do not do the same work, so the ratios below compare unlike things.', '']
        : []),
      `Rule: adopt NodeSDK if startup ≤ ${1 + TOLERANCE}× and req/s ≥ ${1 - TOLERANCE}× of the hand wiring at every sampling ratio.`,
      '',
      table(
        ['NodeSDK setup', 'startup ÷ hand-wired', ...SAMPLING.map((r) => `req/s ÷ hand-wired at ${percent(r)} (min–max)`), 'within 5 %'],
        verdicts.map((v) => [
          LABELS[v.nodesdk],
          fmt(v.startupVsHand, 3),
          ...v.perRequest.map((p) => `${fmt(p.reqPerSec, 3)} (${p.min.toFixed(2)}–${p.max.toFixed(2)})`),
          v.pass ? 'yes: qualifies' : 'no: keep the hand wiring',
        ]),
      ),
    );
    const elapsedSeconds = (Date.now() - startedAt) / 1000;
    lines.push('', `Wall time of this benchmark: ${elapsedSeconds.toFixed(0)} s.`);
    const text = lines.join('\n');
    console.log(`\n${text}`);
    await mkdir(`${root}/bench/results`, { recursive: true });
    const stamp = new Date().toISOString().replaceAll(':', '-');
    const base = `${root}/bench/results/nodesdk-${options.quick ? 'quick-' : ''}${stamp}`;
    const json = {
      options,
      pinned: CAN_PIN,
      loadAverage: {
        beforeStartup: loadBeforeStartup,
        afterStartup: loadAfterStartup,
        beforeSaturation: loadBeforeSaturation,
        afterSaturation: loadAfterSaturation,
      },
      startup: Object.fromEntries(startup),
      saturation: figures,
      checks,
      verdicts,
      elapsedSeconds,
    };
    await writeFile(`${base}.json`, JSON.stringify(json, null, 2));
    await writeFile(`${base}.md`, `# NodeSDK benchmark, ${new Date().toISOString()}\n\n${text}\n`);
    console.log(`results written to ${base}.json and .md (${elapsedSeconds.toFixed(0)} s)`);
    if (checks.some((c) => !c.pass)) process.exitCode = 1;
  } finally {
    await sink.close();
  }
}
