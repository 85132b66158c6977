/**
 * Investigation tools of the telemetry benchmark, each instead of the benchmark itself:
 * --profile (node --cpu-prof), --diagnose (what the open-loop tail lines up with), --experiments
 * and --scenarios (saturation comparisons of chosen scenarios).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBodies } from './core.js';
import { summarizeProfile } from './cpu-profile.js';
import { median, runLoad } from './lib.js';
import { startOtlpSink } from './otlp-sink.js';
import type { ServiceProcess } from './service-process.js';
import { fmt, leastDisturbed, openLoop, saturate, table, type Diagnosis, type SaturationSample } from './telemetry-measure.js';
import { anyScenario, root, start, type Scenario, type TelemetryBenchOptions } from './telemetry-scenarios.js';

/** CPU-profile one scenario at saturation (node --cpu-prof on the server) and summarize it. */
export async function profileScenario(id: string, options: TelemetryBenchOptions): Promise<string> {
  const s = await anyScenario(id);
  if (s.echo) throw new Error('--profile: the bare echo is not the service');
  const { singleBody } = await readBodies();
  const dir = `${root}/bench/results/profiles`;
  await mkdir(dir, { recursive: true });
  const name = `${id}-${new Date().toISOString().replaceAll(':', '-')}.cpuprofile`;
  const sink = s.tracing ? await startOtlpSink() : undefined;
  try {
    const server = await start(s, sink, { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-name', name] });
    await runLoad({ url: `${server.url}/predict`, body: singleBody, connections: options.connections, durationSeconds: 2 });
    const r = await saturate(server, s, singleBody, options.connections, options.profileSeconds);
    console.log(`${s.label}: ${r.reqPerSec.toFixed(0)} req/s, ${r.cpuUsPerReq.toFixed(0)} µs CPU/req while profiled`);
    await server.stop(15_000);
  } finally {
    await sink?.close();
  }
  const summary = summarizeProfile(join(dir, name));
  console.log(summary);
  console.log(`profile written to ${join(dir, name)} (open it in Chrome DevTools > Performance)`);
  return summary;
}

/**
 * CPU time between two epoch times, from the 10 ms samples (tick resolution): core 0 "server /
 * other"; core 1 "generator / collector / other" (the bench process itself is in other).
 */
function coreUse(samples: Diagnosis['cpuSamples'], from: number, to: number): string {
  const inside = samples.filter((x) => x.epochMs >= from && x.epochMs <= to + 10);
  const before = [...samples].reverse().find((x) => x.epochMs < from);
  const first = before ?? inside[0];
  const last = inside.at(-1);
  if (!first || !last || first === last) return '-';
  const ms = (k: 'core' | 'server' | 'core1' | 'generator' | 'sink') => (last[k] - first[k]) * 1000;
  const other1 = Math.max(0, ms('core1') - ms('generator') - ms('sink'));
  return (
    `${ms('server').toFixed(0)} / ${Math.max(0, ms('core') - ms('server')).toFixed(0)}; ` +
    `${ms('generator').toFixed(0)} / ${ms('sink').toFixed(0)} / ${other1.toFixed(0)} (of ${(last.epochMs - first.epochMs).toFixed(0)})`
  );
}

/**
 * Where the tail of an open-loop run comes from: the slowest requests in clusters, each with the
 * GC pauses (bench/gc-monitor.ts) and span exports that overlap it.
 */
export async function diagnose(ids: readonly string[], options: TelemetryBenchOptions): Promise<void> {
  const { singleBody } = await readBodies();
  const dir = await mkdtemp(join(tmpdir(), 'ml-bench-diagnose-'));
  const sink = await startOtlpSink();
  try {
    for (const id of ids) {
      const o = await openLoop(await anyScenario(id), sink, singleBody, options, dir, true);
      const d = o.diagnosis!;
      const t0 = d.measureStartEpochMs;
      const windowEnd = t0 + options.measureSeconds * 1000;
      const gcs = d.gcPauses.filter((g) => g.epochMs >= t0 && g.epochMs <= windowEnd);
      const exports = d.exports.filter((e) => e.epochMs >= t0 - 1000 && e.epochMs <= windowEnd);
      const byKind = new Map<string, { n: number; total: number; max: number }>();
      for (const g of gcs) {
        const k = byKind.get(g.gc) ?? { n: 0, total: 0, max: 0 };
        byKind.set(g.gc, { n: k.n + 1, total: k.total + g.durationMs, max: Math.max(k.max, g.durationMs) });
      }
      console.log(
        `\n${o.label}: p99 ${fmt(o.p99Ms)} ms, p99.9 ${fmt(o.p999Ms)} ms, max ${fmt(o.maxMs)} ms; ${exports.length} exports in the window`,
      );
      console.log(
        `GC pauses ≥ 2 ms in the window: ${[...byKind].map(([k, v]) => `${k} ${v.n}× (max ${v.max.toFixed(1)} ms, total ${v.total.toFixed(0)} ms)`).join(', ') || 'none'}`,
      );
      // Event-loop stalls: those that end within 20 ms before an export reaches the collector are
      // put down to the export (its serialisation and send run just before it arrives).
      const stalls = d.stalls.filter((s) => s.epochMs >= t0 && s.epochMs <= windowEnd);
      const nearExport = stalls.filter((s) =>
        exports.some((e) => e.epochMs >= s.epochMs + s.durationMs - 1 && e.epochMs <= s.epochMs + s.durationMs + 20),
      );
      const worst = (list: readonly { durationMs: number }[]) =>
        list.length ? Math.max(...list.map((s) => s.durationMs)).toFixed(1) : '-';
      console.log(
        `Event-loop stalls ≥ 2 ms in the window: ${stalls.length} (worst ${worst(stalls)} ms); ` +
          `ending within 20 ms before an export arrived: ${nearExport.length} (worst ${worst(nearExport)} ms); ` +
          `exports in the window: ${exports.filter((e) => e.epochMs >= t0).length}`,
      );
      // Clusters of slow requests: a stall delays every request scheduled during it.
      const slow = [...o.slowest].filter((r) => r.latencyMs > 10).sort((a, b) => a.scheduledEpochMs - b.scheduledEpochMs);
      const clusters: { start: number; end: number; n: number; max: number; lag: number }[] = [];
      for (const r of slow) {
        const last = clusters.at(-1);
        const end = r.scheduledEpochMs + r.latencyMs;
        if (last && r.scheduledEpochMs <= last.end + 5) {
          Object.assign(last, {
            end: Math.max(last.end, end),
            n: last.n + 1,
            max: Math.max(last.max, r.latencyMs),
            lag: Math.max(last.lag, r.sendLagMs),
          });
        } else clusters.push({ start: r.scheduledEpochMs, end, n: 1, max: r.latencyMs, lag: r.sendLagMs });
      }
      console.log(
        table(
          [
            'at s',
            'slow requests (of the 50 slowest)',
            'worst ms',
            'generator late by, ms',
            'GC pauses overlapping',
            'exports arriving ±100 ms',
            'CPU ms: core 0 server / other; core 1 generator / collector / other',
          ],
          clusters.map((c) => [
            ((c.start - t0) / 1000).toFixed(3),
            c.n,
            c.max.toFixed(1),
            c.lag.toFixed(1),
            gcs
              .filter((g) => g.epochMs + g.durationMs >= c.start - 2 && g.epochMs <= c.end)
              .map((g) => `${g.gc} ${g.durationMs.toFixed(1)} ms @${((g.epochMs - t0) / 1000).toFixed(3)}`)
              .join(', ') || '-',
            exports
              .filter((e) => e.epochMs >= c.start - 100 && e.epochMs <= c.end + 100)
              .map((e) => `${e.spans} spans @${((e.epochMs - t0) / 1000).toFixed(3)}`)
              .join(', ') || '-',
            coreUse(d.cpuSamples, c.start - 10, c.end + 10),
          ]),
        ),
      );
    }
  } finally {
    await sink.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * --experiments (the log-destination variants) or --scenarios a,b,c (any ids of either list):
 * saturation only, interleaved like the main run, ratios against the first scenario listed.
 */
export async function runExperiments(list: readonly Scenario[], options: TelemetryBenchOptions): Promise<void> {
  const baseline = list[0]!.id;
  const { singleBody } = await readBodies();
  const servers = new Map<string, ServiceProcess>();
  const sink = list.some((s) => s.tracing?.endpoint.kind === 'live') ? await startOtlpSink() : undefined;
  try {
    for (const s of list) servers.set(s.id, await start(s, sink));
    for (const s of list)
      await runLoad({
        url: `${servers.get(s.id)!.url}/predict`,
        body: singleBody,
        connections: options.connections,
        durationSeconds: options.quick ? 1 : 2,
      });
    const samples = new Map<string, SaturationSample[]>(list.map((s) => [s.id, []]));
    for (let round = 0; round < options.rounds; round++) {
      for (const s of round % 2 === 0 ? list : [...list].reverse()) {
        const r = await leastDisturbed(s.id, options.maxOtherLoad, 3, () =>
          saturate(servers.get(s.id)!, s, singleBody, options.connections, options.durationSeconds),
        );
        samples.get(s.id)!.push(r);
        console.log(
          `round ${round + 1}/${options.rounds} ${s.id}: ${r.reqPerSec.toFixed(0)} req/s, ${r.cpuUsPerReq.toFixed(0)} µs CPU/req, other load ${r.otherLoadPercent.toFixed(0)} %`,
        );
      }
    }
    const off = samples.get(baseline)!;
    const text = table(
      [
        'variant',
        'req/s',
        `req/s ÷ ${baseline}`,
        'server CPU µs/req',
        `CPU added over ${baseline}, µs/req`,
        'other load on core 0, worst round',
      ],
      list.map((s) => {
        const rs = samples.get(s.id)!;
        return [
          s.label,
          median(rs.map((r) => r.reqPerSec)).toFixed(0),
          median(rs.map((r, i) => r.reqPerSec / off[i]!.reqPerSec)).toFixed(2),
          median(rs.map((r) => r.cpuUsPerReq)).toFixed(0),
          median(rs.map((r, i) => r.cpuUsPerReq - off[i]!.cpuUsPerReq)).toFixed(0),
          `${Math.max(...rs.map((r) => r.otherLoadPercent)).toFixed(0)} %`,
        ];
      }),
    );
    const title = `Saturation, ${list.map((s) => s.id).join(', ')}: ${options.rounds} interleaved round(s) × ${options.durationSeconds} s, ${options.connections} connections; medians of per-round figures`;
    console.log(`\n${title}\n\n${text}`);
    const stamp = new Date().toISOString().replaceAll(':', '-');
    await mkdir(`${root}/bench/results`, { recursive: true });
    await writeFile(`${root}/bench/results/telemetry-scenarios-${stamp}.md`, `# ${title}\n\n${text}\n`);
  } finally {
    await Promise.all([...servers.values()].map((server) => server.stop()));
    await sink?.close();
  }
}
