/** The tables and target checks of a telemetry benchmark run, as markdown. */
import { CAN_PIN } from './lib.js';
import { fmt, table, type OpenLoopFigures } from './telemetry-measure.js';
import type { OpenLoopId, TelemetryBenchOptions } from './telemetry-scenarios.js';

export const ratioOf = (n: number, d: number) => (d > 0 ? n / d : NaN);

export type Saturation = {
  id: string;
  label: string;
  reqPerSec: number;
  reqPerSecVsOff: number;
  cpuUsPerReq: number;
  cpuVsOff: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  otherLoadPercent: number;
  spansDropped?: number;
};

export function buildReport(
  options: TelemetryBenchOptions,
  saturation: Saturation[],
  open: Map<OpenLoopId, OpenLoopFigures>,
  elapsedSeconds: number,
) {
  const sat = (id: string) => saturation.find((x) => x.id === id)!;
  const ol = (id: OpenLoopId) => open.get(id)!;
  const load = (percent: number) => `${percent.toFixed(0)} %${percent > options.maxOtherLoad ? ' ⚠' : ''}`;
  const lines: string[] = [];
  if (options.quick) lines.push('**Quick smoke run**: windows too short (and JIT too cold) to judge the targets; use the full run.', '');
  lines.push(
    `Saturation: ${options.connections} connections (autocannon), ${options.rounds} interleaved round(s) × ${options.durationSeconds} s, ` +
      `servers on core 0, load on core 1 (pinned: ${CAN_PIN}); medians; ratios per round, then median. DRIFT_ENABLED=false.`,
    '',
    table(
      [
        'scenario',
        'req/s',
        'req/s ÷ (2)',
        'server CPU µs/req',
        'CPU ÷ (2)',
        'p50 ms',
        'p99 ms',
        'errors',
        'spans dropped',
        'other load on core 0, worst round',
      ],
      saturation.map((s) => [
        s.label,
        s.reqPerSec.toFixed(0),
        s.reqPerSecVsOff.toFixed(2),
        s.cpuUsPerReq.toFixed(0),
        s.cpuVsOff.toFixed(2),
        s.p50Ms,
        s.p99Ms,
        s.errors,
        s.spansDropped ?? '-',
        load(s.otherLoadPercent),
      ]),
    ),
    '',
    'CPU ÷ (2) is the steadier figure on a shared machine: another job on core 0 lowers req/s, not the CPU the server spends per ' +
      'request. Spans dropped: counted by the service over the whole saturation phase (the 2048-span queue overflows at 100 %).',
  );

  const bareRatio = ratioOf(1, sat('bare').reqPerSecVsOff);
  const ratios = {
    metricsLogsVsOff: sat('metrics-logs').reqPerSecVsOff,
    metricsLogsAllVsOff: sat('metrics-logs-all').reqPerSecVsOff,
    traces10VsOff: sat('full-10').reqPerSecVsOff,
    traces100VsOff: sat('full-100').reqPerSecVsOff,
    offVsBare: bareRatio,
    offImportVsOff: sat('off-import').reqPerSecVsOff,
    pieces: Object.fromEntries(
      ['metrics-only', 'logs-only', 'logs-only-all', 'trace-0', 'trace-10', 'trace-100', 'trace-http-10'].map((id) => [
        id,
        sat(id).reqPerSecVsOff,
      ]),
    ),
    // What a request that is not sampled pays for tracing being on: CPU per request at ratio 0 over off.
    unsampledAddedUs: sat('trace-0').cpuUsPerReq - sat('off-import').cpuUsPerReq,
  };
  // The piece costing most: the largest CPU per request added over telemetry off.
  const pieces = ['metrics-only', 'logs-only', 'logs-only-all', 'trace-0', 'trace-10', 'trace-100', 'trace-http-10'].map((id) => ({
    id,
    label: sat(id).label,
    ratio: sat(id).reqPerSecVsOff,
    addedUs: sat(id).cpuUsPerReq - sat('off').cpuUsPerReq,
  }));
  // The shipped defaults: metrics on, logs at info, traces at 10 % with the fastify instrumentation only.
  const costliest10 = pieces
    .filter((p) => ['metrics-only', 'logs-only', 'trace-10'].includes(p.id))
    .sort((a, b) => b.addedUs - a.addedUs)[0]!;
  lines.push(
    '',
    table(
      ['ratio', 'value'],
      [
        ['(3) metrics + logs ÷ (2) off', ratios.metricsLogsVsOff.toFixed(2)],
        ['(3b) metrics + logs, every success logged ÷ (2) off', ratios.metricsLogsAllVsOff.toFixed(2)],
        ['(4) + traces 10 % ÷ (2)', ratios.traces10VsOff.toFixed(2)],
        ['(5) + traces 100 % ÷ (2)', ratios.traces100VsOff.toFixed(2)],
        ['(2) off ÷ (1) bare Fastify', ratios.offVsBare.toFixed(2)],
        ['(2b) --import, SDK disabled ÷ (2) no --import', ratios.offImportVsOff.toFixed(2)],
        ['an unsampled request: CPU added by tracing on at ratio 0 over (2b), µs', ratios.unsampledAddedUs.toFixed(1)],
      ],
    ),
    '',
    'Each piece alone vs telemetry off (2):',
    '',
    table(
      ['piece', 'req/s ÷ (2)', 'CPU added, µs/req'],
      pieces.map((p) => [p.label, p.ratio.toFixed(2), p.addedUs.toFixed(0)]),
    ),
    '',
    `Costliest piece of the defaults (metrics, logs at info, traces 10 % with fastify only): ${costliest10.label} ` +
      `(${costliest10.ratio.toFixed(2)}×, +${costliest10.addedUs.toFixed(0)} µs CPU/request).`,
  );

  lines.push(
    '',
    `Open loop: ${options.rate} req/s, latency from each request's scheduled send time (no coordinated omission; the generator's own ` +
      `lateness is included and shown), ${options.warmupSeconds} s warm-up + ${options.measureSeconds} s measured, a fresh server per row, ` +
      `its log to a file. Other load: core 0 time used by anything but the server during the window; a few % is the kernel, more is ` +
      `another job, and its preemptions land in the tail.`,
    '',
    table(
      [
        'scenario',
        'p50 ms',
        'p90 ms',
        'p99 ms',
        'p99.9 ms',
        'max ms',
        'errors / timeouts',
        'server CPU µs/req',
        'CPU % of core',
        'RSS after MB',
        'warn lines (+ at shutdown)',
        'generator lag p99 ms',
        'other load on core 0',
      ],
      [...open.values()].map((o) => [
        o.label,
        fmt(o.p50Ms),
        fmt(o.p90Ms),
        fmt(o.p99Ms),
        fmt(o.p999Ms),
        fmt(o.maxMs, 1),
        `${o.errors} / ${o.timeouts}`,
        o.serverCpuUsPerReq.toFixed(0),
        o.serverCpuPercent.toFixed(0),
        o.rssMbAfter.toFixed(0),
        `${o.log.warnLines} (+${o.log.warnLinesAtShutdown})`,
        fmt(o.sendLagP99Ms),
        load(o.otherLoadPercent),
      ]),
    ),
    '',
    table(
      ['scenario', 'sampled requests', 'spans/sampled request', 'spans sampled', 'exported', 'received by collector', 'dropped', 'failed'],
      [...open.values()]
        .filter((o) => o.spans)
        .map((o) => {
          const s = o.spans!;
          return [
            o.label,
            s.sampledRequests,
            (s.sampled / Math.max(1, s.sampledRequests)).toFixed(2),
            s.sampled,
            s.exported,
            s.received,
            s.dropped,
            s.failed,
          ];
        }),
    ),
  );
  const down = ol('down-10');
  if (down.log.warnings.length > 0) lines.push('', 'Collector-down warnings:', '', ...down.log.warnings.map((w) => `- ${w}`));

  const full10 = ol('full-10');
  const targets = [
    {
      target: 'metrics + logs ≥ 0.8 × off',
      value: ratios.metricsLogsVsOff.toFixed(2),
      pass: ratios.metricsLogsVsOff >= 0.8,
      otherLoad: Math.max(sat('off').otherLoadPercent, sat('metrics-logs').otherLoadPercent),
    },
    {
      target: 'traces 10 % ≥ 0.5 × off',
      value: ratios.traces10VsOff.toFixed(2),
      pass: ratios.traces10VsOff >= 0.5,
      otherLoad: Math.max(sat('off').otherLoadPercent, sat('full-10').otherLoadPercent),
    },
    {
      target: `p99 ≤ 10 ms at ${options.rate} req/s, 10 %`,
      value: `${fmt(full10.p99Ms)} ms`,
      pass: full10.p99Ms <= 10,
      otherLoad: full10.otherLoadPercent,
    },
    {
      target: `p99.9 ≤ 25 ms at ${options.rate} req/s, 10 %`,
      value: `${fmt(full10.p999Ms)} ms`,
      pass: full10.p999Ms <= 25,
      otherLoad: full10.otherLoadPercent,
    },
    {
      target: 'no dropped spans at 10 %, all received',
      value: `${full10.spans?.dropped} dropped, ${full10.spans?.received}/${full10.spans?.sampled} received`,
      pass: full10.spans?.dropped === 0 && full10.spans.received === full10.spans.sampled,
      otherLoad: 0,
    },
    {
      target: 'collector down: p99 ≤ 2 × live p99',
      value: `${fmt(down.p99Ms)} ms (${(down.p99Ms / full10.p99Ms).toFixed(2)}×)`,
      pass: down.p99Ms <= 2 * full10.p99Ms,
      otherLoad: Math.max(down.otherLoadPercent, full10.otherLoadPercent),
    },
    { target: 'collector down: RSS ≤ 300 MB', value: `${down.rssMbAfter.toFixed(0)} MB`, pass: down.rssMbAfter <= 300, otherLoad: 0 },
  ];
  lines.push(
    '',
    table(
      ['target', 'measured', 'met'],
      targets.map((t) => [
        t.target,
        t.value,
        `${t.pass ? 'yes' : '**no**'}${t.otherLoad > options.maxOtherLoad ? ` (⚠ disturbed: other load ${t.otherLoad.toFixed(0)} % on core 0)` : ''}`,
      ]),
    ),
    '',
    'Startup time, RSS and req/s, hand-wired tracer provider vs NodeSDK: `npm run bench -- --only nodesdk`.',
    '',
    `Wall time of this benchmark: ${elapsedSeconds.toFixed(0)} s.`,
  );
  return { text: lines.join('\n'), ratios, targets };
}
