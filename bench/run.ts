/** npm run bench: runs the benchmarks in bench/ (USAGE below, or `npm run bench -- --help`). */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CAN_PIN } from './lib.js';

const USAGE = `usage: npm run bench [-- --only core,telemetry,drift,nodesdk,metrics,v2,scorer] [--quick] [options]
       npm run bench -- --help

  core       bench/core.ts: the service vs a bare Fastify echo, RSS after 1M requests
             --rounds 3 --duration 10 --connections 50 --rss-requests 1000000
  telemetry  bench/telemetry.ts: metrics, logs and traces vs telemetry off, saturation and open loop
             --rounds 3 --duration 4 --connections 50 --rate 1000 --warmup 10 --measure 20
             --max-other-load 15: a window in which other processes took more of core 0 is measured
             again (saturation up to 3 times, open loop twice), and flagged if it stays above
             --profile <scenario> [--profile-seconds 10]: node --cpu-prof on one scenario instead
             --diagnose full-10[,…]: open loop with GC pauses and span exports lined up with the tail
             --experiments: pino destination variants (bench/log-destination-server.ts), saturation
             --scenarios off,off-import,…: saturation only, these scenarios, ratios to the first
  drift      bench/drift.ts: drift evaluation time, vs scipy, event-loop delay under load
  nodesdk    bench/nodesdk.ts: the hand-wired tracer provider vs NodeSDK (bench/nodesdk-instrumentation.ts),
             alone and with the auto-instrumentations bundle: startup to /ready and RSS, req/s at 10 %
             and 0 % sampling, OTEL_* variables honoured; the verdict of the 5 % rule
             --startup-runs 7 --rounds 6 --duration 2 --connections 50 --max-other-load 15
  metrics    bench/metrics.ts: one histogram observation and one counter increment, ours
             (src/telemetry/metric-primitives.ts) vs prom-client, same counts checked
             --metric-ops 2000000 --metric-runs 9
  v2         bench/v2.ts: the Open Inference Protocol beside /predict, 1 and 100 rows: V2 REST infer and
             V2 gRPC ModelInfer (typed and raw contents), ratios to /predict per round
             --rounds 3 --duration 5 --connections 50
  scorer     bench/scorer.ts: scoring 1-100 rows with onnxruntime and with the JavaScript tree-ensemble
             evaluator of the same model.onnx, µs per call, same outputs checked
             --scorer-runs 9

Everything runs by default, in that order. --quick: a short smoke run of each (telemetry under
a minute). --rounds and --duration, when given, apply to core, telemetry and nodesdk alike.

This process (the load generator) is pinned to core 1, servers to core 0; figures are ratios
against a baseline measured in the same run (docs/performance.md says why).`;
if (process.argv.includes('--help') || process.argv.includes('-h')) {
  console.log(USAGE);
  process.exit(0);
}

const root = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
const BENCHES = ['core', 'telemetry', 'drift', 'nodesdk', 'metrics', 'v2', 'scorer'] as const;

// strict: false: bench modules may read flags of their own from process.argv.
const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    duration: { type: 'string' },
    connections: { type: 'string', default: '50' },
    'rss-requests': { type: 'string', default: '1000000' },
    rate: { type: 'string', default: '1000' },
    warmup: { type: 'string' },
    measure: { type: 'string' },
    profile: { type: 'string' },
    'profile-seconds': { type: 'string', default: '10' },
    diagnose: { type: 'string' },
    experiments: { type: 'boolean', default: false },
    scenarios: { type: 'string' },
    'max-other-load': { type: 'string', default: '15' },
    'startup-runs': { type: 'string', default: '7' },
    'metric-ops': { type: 'string', default: '2000000' },
    'metric-runs': { type: 'string', default: '9' },
    'scorer-runs': { type: 'string', default: '9' },
  },
  strict: false,
});
const str = (v: string | boolean | undefined) => (typeof v === 'string' ? v : undefined);
const num = (v: string | boolean | undefined, fallback: number) => (typeof v === 'string' ? Number(v) : fallback);
const quick = values.quick === true;
const only = (str(values.only) ?? BENCHES.join(',')).split(',').map((s) => s.trim());
const unknown = only.filter((b) => !(BENCHES as readonly string[]).includes(b));
if (unknown.length > 0) {
  console.error(`--only: unknown ${unknown.join(', ')} (known: ${BENCHES.join(', ')})`);
  process.exit(2);
}

// Pin this process (the load generator) to core 1; servers go to core 0.
if (CAN_PIN && !process.env['BENCH_PINNED']) {
  const child = spawnSync('taskset', ['-c', '1', process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, BENCH_PINNED: '1' },
  });
  process.exit(child.status ?? 1);
}
if (!CAN_PIN) console.warn('taskset is not available: server and load generator share cores; ratios are less reliable');
if (!existsSync(`${root}/dist/server.js`)) spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });

const connections = num(values.connections, 50);
if (only.includes('core')) {
  const { runCoreBench } = await import('./core.js');
  console.log('\n== core ==');
  await runCoreBench({
    rounds: quick ? 1 : num(values.rounds, 3),
    durationSeconds: quick ? 3 : num(values.duration, 10),
    connections,
    rssRequests: quick ? 100_000 : num(values['rss-requests'], 1_000_000),
  });
}
if (only.includes('telemetry')) {
  const { runTelemetryBench } = await import('./telemetry.js');
  console.log('\n== telemetry ==');
  await runTelemetryBench({
    quick,
    rounds: quick ? 1 : num(values.rounds, 3),
    durationSeconds: quick ? 1 : num(values.duration, 4),
    connections,
    rate: num(values.rate, 1000),
    warmupSeconds: num(values.warmup, quick ? 1 : 10),
    measureSeconds: num(values.measure, quick ? 2 : 20),
    maxOtherLoad: num(values['max-other-load'], 15),
    ...(str(values.profile) && { profile: str(values.profile)! }),
    profileSeconds: num(values['profile-seconds'], 10),
    ...(str(values.diagnose) && { diagnose: str(values.diagnose)! }),
    experiments: values.experiments === true,
    ...(str(values.scenarios) && { scenarios: str(values.scenarios)! }),
  });
}
if (only.includes('drift')) {
  // Imported only when asked for: it loads src/drift through tsx.
  const { runDriftBench } = await import('./drift.js');
  console.log('\n== drift ==');
  await runDriftBench();
}
if (only.includes('nodesdk')) {
  const { runNodeSdkBench } = await import('./nodesdk.js');
  console.log('\n== nodesdk ==');
  await runNodeSdkBench({
    quick,
    rounds: quick ? 1 : num(values.rounds, 6),
    durationSeconds: quick ? 1 : num(values.duration, 2),
    connections,
    startupRuns: quick ? 2 : num(values['startup-runs'], 7),
    maxOtherLoad: num(values['max-other-load'], 15),
  });
}
if (only.includes('metrics')) {
  // Imported only when asked for: it loads src/telemetry through tsx.
  const { runMetricsBench } = await import('./metrics.js');
  console.log('\n== metrics ==');
  await runMetricsBench({
    quick,
    operations: quick ? 200_000 : num(values['metric-ops'], 2_000_000),
    runs: quick ? 3 : num(values['metric-runs'], 9),
  });
}
if (only.includes('v2')) {
  const { runV2Bench } = await import('./v2.js');
  console.log('\n== v2 ==');
  await runV2Bench({
    rounds: quick ? 1 : num(values.rounds, 3),
    durationSeconds: quick ? 2 : num(values.duration, 5),
    connections,
  });
}
if (only.includes('scorer')) {
  const { runScorerBench } = await import('./scorer.js');
  console.log('\n== scorer ==');
  await runScorerBench({ quick, runs: quick ? 3 : num(values['scorer-runs'], 9) });
}
