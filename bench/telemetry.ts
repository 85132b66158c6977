/**
 * Telemetry benchmark (npm run bench -- --only telemetry [--quick]): what metrics, logs and traces
 * cost the service, against the same service with telemetry off, measured in one run.
 *
 *  1. Saturation: 50 connections (autocannon, closed loop) for a few seconds on each scenario,
 *     interleaved round by round (alternating order), every server alive for the whole phase.
 *     req/s, server CPU per request (/proc/<pid>/stat utime+stime, every thread), p50/p99; the
 *     ratios are taken per round and their median reported.
 *  2. Open loop at a fixed rate (1,000 req/s): a fresh server per scenario, warm-up then a measured
 *     window; latency from the scheduled send time (bench/open-loop-child.ts); spans sampled vs
 *     received by a live OTLP/gRPC collector; the collector-down variant with its RSS and warnings.
 *
 * Servers run on core 0; autocannon, the open-loop generator and the OTLP collector (a child
 * process: bench/otlp-sink.ts says why) on core 1. DRIFT_ENABLED=false everywhere: the drift job
 * evaluates in a worker every minute and would land in random windows; it is not telemetry.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBodies } from './core.js';
import { CAN_PIN, median, runLoad } from './lib.js';
import { startOtlpSink } from './otlp-sink.js';
import { scrape, type ServiceProcess } from './service-process.js';
import { leastDisturbed, openLoop, saturate, type OpenLoopFigures, type SaturationSample } from './telemetry-measure.js';
import { buildReport, ratioOf } from './telemetry-report.js';
import {
  anyScenario,
  LOG_EXPERIMENTS,
  OPEN_LOOP,
  openLoopScenario,
  predictPath,
  root,
  SCENARIOS,
  start,
  type OpenLoopId,
  type TelemetryBenchOptions,
} from './telemetry-scenarios.js';
import { diagnose, profileScenario, runExperiments } from './telemetry-tools.js';

export type { TelemetryBenchOptions };

export async function runTelemetryBench(options: TelemetryBenchOptions): Promise<void> {
  if (options.experiments || options.scenarios) {
    const ids = [...new Set(options.scenarios?.split(',') ?? LOG_EXPERIMENTS)];
    await runExperiments(await Promise.all(ids.map(anyScenario)), options);
    return;
  }
  if (options.profile) {
    await profileScenario(options.profile, options);
    return;
  }
  if (options.diagnose) {
    await diagnose(options.diagnose.split(','), options);
    return;
  }
  const { rounds, durationSeconds, connections } = options;
  const { singleBody } = await readBodies();
  const dir = await mkdtemp(join(tmpdir(), 'ml-bench-telemetry-'));
  const sink = await startOtlpSink();
  const startedAt = Date.now();
  try {
    // Phase 1: saturation, every scenario interleaved.
    console.log(`telemetry: starting ${SCENARIOS.length} servers (collector at ${sink.endpoint})…`);
    const servers = new Map<string, ServiceProcess>();
    for (const s of SCENARIOS) servers.set(s.id, await start(s, sink));
    const warm = options.quick ? 1 : 2;
    for (const s of SCENARIOS)
      await runLoad({ url: `${servers.get(s.id)!.url}${predictPath(s)}`, body: singleBody, connections, durationSeconds: warm });

    const samples = new Map<string, SaturationSample[]>(SCENARIOS.map((s) => [s.id, []]));
    for (let round = 0; round < rounds; round++) {
      // Alternate the order so that a drift of the machine over a round does not favour one end.
      const order = round % 2 === 0 ? SCENARIOS : [...SCENARIOS].reverse();
      for (const s of order) {
        const r = await leastDisturbed(s.id, options.maxOtherLoad, 3, () =>
          saturate(servers.get(s.id)!, s, singleBody, connections, durationSeconds),
        );
        samples.get(s.id)!.push(r);
        console.log(
          `round ${round + 1}/${rounds} ${s.id}: ${r.reqPerSec.toFixed(0)} req/s, ${r.cpuUsPerReq.toFixed(0)} µs CPU/req, p99 ${r.p99Ms} ms, errors ${r.errors}`,
        );
      }
    }
    const saturationDropped = new Map<string, number>();
    for (const s of SCENARIOS) {
      if (s.tracing && s.metrics) {
        const m = await scrape(servers.get(s.id)!.url);
        saturationDropped.set(s.id, m.get('ml_otel_spans_total{outcome="dropped"}') ?? NaN);
      }
    }
    await Promise.all([...servers.values()].map((server) => server.stop()));

    // Per-round ratios against (2), then the median across rounds.
    const roundRatio = (id: string, base: string, field: 'reqPerSec' | 'cpuUsPerReq') =>
      median(samples.get(id)!.map((r, i) => ratioOf(r[field], samples.get(base)![i]![field])));
    const saturation = SCENARIOS.map((s) => {
      const rs = samples.get(s.id)!;
      return {
        id: s.id,
        label: s.label,
        reqPerSec: median(rs.map((r) => r.reqPerSec)),
        reqPerSecVsOff: roundRatio(s.id, 'off', 'reqPerSec'),
        cpuUsPerReq: median(rs.map((r) => r.cpuUsPerReq)),
        cpuVsOff: roundRatio(s.id, 'off', 'cpuUsPerReq'),
        p50Ms: median(rs.map((r) => r.p50Ms)),
        p99Ms: median(rs.map((r) => r.p99Ms)),
        errors: rs.reduce((a, r) => a + r.errors, 0),
        otherLoadPercent: Math.max(...rs.map((r) => r.otherLoadPercent)),
        ...(saturationDropped.has(s.id) && { spansDropped: saturationDropped.get(s.id)! }),
        rounds: rs,
      };
    });

    // Phase 2: open loop at a fixed rate, one fresh server at a time.
    console.log(
      `\nopen loop: ${options.rate} req/s, ${options.warmupSeconds} s warm-up + ${options.measureSeconds} s measured per scenario`,
    );
    const open = new Map<OpenLoopId, OpenLoopFigures>();
    for (const id of OPEN_LOOP) {
      open.set(
        id,
        await leastDisturbed(id, options.maxOtherLoad, 2, async () => openLoop(await openLoopScenario(id), sink, singleBody, options, dir)),
      );
    }

    const elapsedSeconds = (Date.now() - startedAt) / 1000;
    const report = buildReport(options, saturation, open, elapsedSeconds);
    console.log(`\n${report.text}`);
    await mkdir(`${root}/bench/results`, { recursive: true });
    const stamp = new Date().toISOString().replaceAll(':', '-');
    const base = `${root}/bench/results/telemetry-${options.quick ? 'quick-' : ''}${stamp}`;
    const json = {
      quick: options.quick,
      pinned: CAN_PIN,
      rounds,
      durationSeconds,
      connections,
      openLoop: { rate: options.rate, warmupSeconds: options.warmupSeconds, measureSeconds: options.measureSeconds },
      elapsedSeconds,
      saturation,
      ratios: report.ratios,
      openLoopResults: Object.fromEntries(open),
      targets: report.targets,
    };
    await writeFile(`${base}.json`, JSON.stringify(json, null, 2));
    await writeFile(`${base}.md`, `# Telemetry benchmark, ${new Date().toISOString()}\n\n${report.text}\n`);
    console.log(`results written to ${base}.json and .md (${elapsedSeconds.toFixed(0)} s)`);
  } finally {
    await sink.close();
    await rm(dir, { recursive: true, force: true });
  }
}
