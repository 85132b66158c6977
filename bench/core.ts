/**
 * Core service benchmark (npm run bench -- --only core). Servers run on core 0, the load generator
 * on core 1; every figure is compared with a bare Fastify echo route measured in the same run,
 * interleaved round by round, because the absolute speed of these machines drifts within minutes
 * (docs/performance.md).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { CAN_PIN, median, rssMb, runLoad, startServer, type LoadResult } from './lib.js';
import { startService } from './service-process.js';

const root = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');

export interface CoreBenchOptions {
  readonly rounds: number;
  readonly durationSeconds: number;
  readonly connections: number;
  readonly rssRequests: number;
}

/** One realistic full row of the shipped model, and a batch of 100 reference rows. */
export async function readBodies(): Promise<{ singleBody: string; batchBody: string }> {
  const csv = (await readFile(`${root}/models/fraud-detection/v1.0/reference.csv`, 'utf8')).trim().split('\n');
  const header = csv[0]!.split(',');
  const rows = csv
    .slice(1, 101)
    .map((line) => Object.fromEntries(line.split(',').map((cell, i) => [header[i]!, Number.isNaN(Number(cell)) ? cell : Number(cell)])));
  const selector = { model_name: 'fraud-detection', model_version: 'v1.0' };
  return {
    singleBody: JSON.stringify({ features: rows[0], ...selector }),
    batchBody: JSON.stringify({ instances: rows, ...selector }),
  };
}

export async function runCoreBench(options: CoreBenchOptions): Promise<void> {
  const { rounds, durationSeconds: duration, connections, rssRequests } = options;
  const { singleBody, batchBody } = await readBodies();

  const echo = await startServer('bare echo', ['--import', 'tsx', `${root}/bench/bare-echo.ts`]);
  // Default configuration (metrics, one info log line per request, drift on; tracing needs
  // --import and a collector: see the telemetry bench), stdout to /dev/null rather than a pipe
  // into this process, which would make the load generator parse every log line.
  const service = await startService({
    name: 'service',
    args: ['--enable-source-maps', `${root}/dist/server.js`],
    env: {},
    readyPath: '/ready',
  });
  // The same logging every success (LOG_SUCCESS_MAX_PER_SECOND=0: a complete access log, see Logs).
  const sampledLog = await startService({
    name: 'service, every success logged',
    args: ['--enable-source-maps', `${root}/dist/server.js`],
    env: { LOG_SUCCESS_MAX_PER_SECOND: '0' },
    readyPath: '/ready',
  });

  const scenarios = [
    { name: 'bare Fastify echo', url: `${echo.url}/echo`, body: singleBody, rows: 1 },
    { name: 'POST /predict (1 row)', url: `${service.url}/predict`, body: singleBody, rows: 1 },
    { name: 'POST /predict/batch (100 rows)', url: `${service.url}/predict/batch`, body: batchBody, rows: 100 },
    { name: 'POST /predict (1 row), LOG_SUCCESS_MAX_PER_SECOND=0', url: `${sampledLog.url}/predict`, body: singleBody, rows: 1 },
  ] as const;

  console.log(`warming up (${connections} connections)…`);
  for (const s of scenarios) await runLoad({ url: s.url, body: s.body, connections, durationSeconds: 2 });

  const results = new Map<string, LoadResult[]>(scenarios.map((s) => [s.name, []]));
  for (let round = 1; round <= rounds; round++) {
    for (const s of scenarios) {
      const r = await runLoad({ url: s.url, body: s.body, connections, durationSeconds: duration });
      results.get(s.name)!.push(r);
      console.log(
        `round ${round}/${rounds} ${s.name}: ${r.requestsPerSecond.toFixed(0)} req/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, errors ${r.errors}`,
      );
    }
  }
  await echo.stop();
  await service.stop();
  await sampledLog.stop();

  const summary = scenarios.map((s) => {
    const rs = results.get(s.name)!;
    return {
      scenario: s.name,
      reqPerSec: median(rs.map((r) => r.requestsPerSecond)),
      rowsPerSec: median(rs.map((r) => r.requestsPerSecond * s.rows)),
      p50Ms: median(rs.map((r) => r.p50Ms)),
      p99Ms: median(rs.map((r) => r.p99Ms)),
      errors: rs.reduce((a, r) => a + r.errors, 0),
    };
  });
  // Ratio per round (same minute, same machine state), then the median across rounds.
  const ratio = median(
    results.get(scenarios[1].name)!.map((r, i) => r.requestsPerSecond / results.get(scenarios[0].name)![i]!.requestsPerSecond),
  );

  const perRound = (a: string, b: string, rowsA = 1) =>
    median(results.get(a)!.map((r, i) => (r.requestsPerSecond * rowsA) / results.get(b)![i]!.requestsPerSecond));
  const sampledRatio = perRound(scenarios[3].name, scenarios[0].name);
  // Rows per second of 100-row batches over requests per second of single rows (target >= 15).
  const batchGain = perRound(scenarios[2].name, scenarios[1].name, 100);

  // Startup: spawn to the first 200 of /ready with the embedded model, `npm start`'s flags (tracing
  // disabled), on core 0 with nothing else running; five runs, the median.
  const startups: number[] = [];
  for (let i = 0; i < 5; i++) {
    const s = await startService({
      name: 'service',
      args: ['--enable-source-maps', '--import', `${root}/dist/telemetry/instrumentation.js`, `${root}/dist/server.js`],
      env: {},
      readyPath: '/ready',
    });
    startups.push(s.readyMs);
    await s.stop();
  }

  // Memory: a fresh service, RSS after 100k and after rssRequests requests.
  const fresh = await startService({
    name: 'service',
    args: ['--enable-source-maps', `${root}/dist/server.js`],
    env: {},
    readyPath: '/ready',
  });
  const rss: { requests: number; rssMb: number }[] = [{ requests: 0, rssMb: rssMb(fresh.pid) }];
  let sent = 0;
  for (const target of [100_000, rssRequests].filter((v, i, a) => a.indexOf(v) === i && v > 0)) {
    const r = await runLoad({ url: `${fresh.url}/predict`, body: singleBody, connections, amount: target - sent });
    sent = target;
    rss.push({ requests: target, rssMb: rssMb(fresh.pid) });
    console.log(`after ${target.toLocaleString('en')} requests: RSS ${rss.at(-1)!.rssMb.toFixed(1)} MB (errors ${r.errors})`);
  }
  await fresh.stop();

  console.log(`\n${rounds} interleaved round(s) × ${duration} s, ${connections} connections, pinned: ${CAN_PIN}`);
  console.table(
    summary.map((s) => ({
      scenario: s.scenario,
      'req/s': Math.round(s.reqPerSec),
      'rows/s': Math.round(s.rowsPerSec),
      'p50 ms': s.p50Ms,
      'p99 ms': s.p99Ms,
      errors: s.errors,
    })),
  );
  console.log(
    `/predict ÷ bare echo: ${ratio.toFixed(2)} (target ≥ 0.60); every success logged (LOG_SUCCESS_MAX_PER_SECOND=0): ${sampledRatio.toFixed(2)}`,
  );
  console.log(`/predict/batch rows/s ÷ /predict req/s: ${batchGain.toFixed(1)} (target ≥ 15)`);
  console.log(
    `startup to ready: median ${median(startups).toFixed(0)} ms (${startups.map((t) => t.toFixed(0)).join(', ')}; target ≤ 2,000)`,
  );
  const growth = rss.length > 2 ? (100 * (rss.at(-1)!.rssMb - rss[1]!.rssMb)) / rss[1]!.rssMb : Number.NaN;
  console.log(`RSS growth from 100,000 to ${rssRequests.toLocaleString('en')} requests: ${growth.toFixed(1)} % (target ≤ 5 %)`);
  console.log(`RSS: ${rss.map((r) => `${r.requests.toLocaleString('en')} req → ${r.rssMb.toFixed(1)} MB`).join(', ')}`);

  await mkdir(`${root}/bench/results`, { recursive: true });
  const file = `${root}/bench/results/core-${new Date().toISOString().replaceAll(':', '-')}.json`;
  await writeFile(
    file,
    JSON.stringify({ rounds, duration, connections, pinned: CAN_PIN, summary, ratio, sampledRatio, batchGain, startups, rss }, null, 2),
  );
  console.log(`results written to ${file}`);
}
