/**
 * Open Inference Protocol benchmark (npm run bench -- --only v2): one service with GRPC_ENABLED,
 * pinned to core 0; this process, the load generator, on core 1. Interleaved rounds of POST
 * /predict and /predict/batch, V2 REST infer (autocannon, like bench/core.ts) and V2 gRPC
 * ModelInfer (a closed loop of @grpc/grpc-js calls: `connections` calls in flight over 4 channels),
 * each for 1 row and 100 rows, beside ServerLive of the service and of a bare grpc-js server
 * (bench/bare-grpc.ts: the library's ceiling with this generator); every figure also as a ratio to /predict with the same row count in
 * the same round, because the machine's speed drifts within minutes (docs/performance.md).
 *
 * The gRPC generator is JavaScript, heavier per call than autocannon: its own CPU share of the
 * window is printed beside its figures (near 100 % means the client, not the service, set the rate).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { credentials, loadPackageDefinition, type Client, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { readBodies } from './core.js';
import { CAN_PIN, median, runLoad, startServer } from './lib.js';
import { freePort, startService } from './service-process.js';

const root = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');

export interface V2BenchOptions {
  readonly rounds: number;
  readonly durationSeconds: number;
  readonly connections: number;
}

type Row = Record<string, number | string>;
type Unary = (request: object, callback: (error: ServiceError | null, response: unknown) => void) => void;

interface Measured {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  /** Share of one core the load generator used (gRPC only). */
  readonly clientCpu?: number;
}

/** The V2 request of `rows`: one tensor per feature, FP32 or BYTES, shape [N]. */
function v2Inputs(rows: readonly Row[]) {
  return Object.keys(rows[0]!).map((name) => {
    const categorical = typeof rows[0]![name] === 'string';
    return { name, datatype: categorical ? 'BYTES' : 'FP32', shape: [rows.length], values: rows.map((r) => r[name]!) };
  });
}

function restBody(rows: readonly Row[]): string {
  return JSON.stringify({ inputs: v2Inputs(rows).map(({ values, ...t }) => ({ ...t, data: values })), outputs: [{ name: 'score' }] });
}

function grpcRequest(rows: readonly Row[], raw: boolean): object {
  const inputs = v2Inputs(rows);
  const base = { model_name: 'fraud-detection', model_version: 'v1.0', outputs: [{ name: 'score' }] };
  if (!raw) {
    return {
      ...base,
      inputs: inputs.map(({ values, ...t }) => ({
        ...t,
        contents:
          t.datatype === 'BYTES' ? { bytes_contents: values.map((v) => Buffer.from(String(v))) } : { fp32_contents: values.map(Number) },
      })),
    };
  }
  return {
    ...base,
    inputs: inputs.map(({ values: _values, ...t }) => t),
    raw_input_contents: inputs.map(({ datatype, values }) => {
      if (datatype === 'FP32') {
        const out = Buffer.alloc(values.length * 4);
        values.forEach((v, i) => out.writeFloatLE(Number(v), i * 4));
        return out;
      }
      return Buffer.concat(
        values.flatMap((v) => {
          const bytes = Buffer.from(String(v));
          const length = Buffer.alloc(4);
          length.writeUInt32LE(bytes.length);
          return [length, bytes];
        }),
      );
    }),
  };
}

const grpcLoad = (clients: readonly Client[], request: object, connections: number, seconds: number) =>
  grpcLoadVia(clients, 'ModelInfer', request, connections, seconds);

/** `connections` unary calls of `rpc` kept in flight for `seconds`, spread over the clients' channels. */
async function grpcLoadVia(
  clients: readonly Client[],
  rpc: string,
  request: object,
  connections: number,
  seconds: number,
): Promise<Measured> {
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const loop = async (client: Client) => {
    const infer = (client as unknown as Record<string, Unary>)[rpc]!.bind(client);
    while (performance.now() < end) {
      const t0 = performance.now();
      const ok = await new Promise<boolean>((resolve) => infer(request, (error) => resolve(error === null)));
      if (ok) latencies.push(performance.now() - t0);
      else errors++;
    }
  };
  await Promise.all(Array.from({ length: connections }, (_, i) => loop(clients[i % clients.length]!)));
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]! * 100) / 100;
  return {
    requestsPerSecond: latencies.length / elapsed,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    errors,
    clientCpu: (cpu.user + cpu.system) / 1e6 / elapsed,
  };
}

export async function runV2Bench(options: V2BenchOptions): Promise<void> {
  const { rounds, durationSeconds: duration, connections } = options;
  const { singleBody, batchBody } = await readBodies();
  const row = (JSON.parse(singleBody) as { features: Row }).features;
  const batch = (JSON.parse(batchBody) as { instances: Row[] }).instances;

  const grpcPort = await freePort();
  const service = await startService({
    name: 'service',
    args: ['--enable-source-maps', `${root}/dist/server.js`],
    env: { GRPC_ENABLED: 'true', GRPC_PORT: String(grpcPort) },
    readyPath: '/ready',
  });
  const { inference } = loadPackageDefinition(
    loadSync(`${root}/proto/open_inference_grpc.proto`, { keepCase: true, longs: Number, defaults: true, oneofs: true }),
  ) as unknown as { inference: { GRPCInferenceService: new (address: string, creds: unknown) => Client } };
  const clients = Array.from(
    { length: 4 },
    () => new inference.GRPCInferenceService(`127.0.0.1:${grpcPort}`, credentials.createInsecure()),
  );
  // The library's own ceiling with this load generator: a bare grpc-js server (bench/bare-grpc.ts).
  const bare = await startServer('bare grpc-js', ['--import', 'tsx', `${root}/bench/bare-grpc.ts`]);
  const bareClients = Array.from(
    { length: 4 },
    () => new inference.GRPCInferenceService(bare.url.replace('http://', ''), credentials.createInsecure()),
  );

  type Scenario = { name: string; rows: 1 | 100; run: (seconds: number) => Promise<Measured> };
  const http = (url: string, body: string) => (seconds: number) => runLoad({ url, body, connections, durationSeconds: seconds });
  const grpc = (request: object) => (seconds: number) => grpcLoad(clients, request, connections, seconds);
  const v2 = `${service.url}/v2/models/fraud-detection/versions/v1.0/infer`;
  const scenarios: Scenario[] = [
    { name: 'POST /predict', rows: 1, run: http(`${service.url}/predict`, singleBody) },
    { name: 'bare grpc-js ServerLive', rows: 1, run: (seconds) => grpcLoadVia(bareClients, 'ServerLive', {}, connections, seconds) },
    { name: 'V2 gRPC ServerLive', rows: 1, run: (seconds) => grpcLoadVia(clients, 'ServerLive', {}, connections, seconds) },
    { name: 'V2 REST infer', rows: 1, run: http(v2, restBody([row])) },
    { name: 'V2 gRPC ModelInfer, typed', rows: 1, run: grpc(grpcRequest([row], false)) },
    { name: 'V2 gRPC ModelInfer, raw', rows: 1, run: grpc(grpcRequest([row], true)) },
    { name: 'POST /predict/batch', rows: 100, run: http(`${service.url}/predict/batch`, batchBody) },
    { name: 'V2 REST infer', rows: 100, run: http(v2, restBody(batch)) },
    { name: 'V2 gRPC ModelInfer, typed', rows: 100, run: grpc(grpcRequest(batch, false)) },
    { name: 'V2 gRPC ModelInfer, raw', rows: 100, run: grpc(grpcRequest(batch, true)) },
  ];
  const key = (s: Scenario) => `${s.name} (${s.rows} row${s.rows === 1 ? '' : 's'})`;

  console.log(`warming up (${connections} calls in flight)…`);
  for (const s of scenarios) await s.run(1);
  const results = new Map<string, Measured[]>(scenarios.map((s) => [key(s), []]));
  for (let round = 1; round <= rounds; round++) {
    for (const s of scenarios) {
      const r = await s.run(duration);
      results.get(key(s))!.push(r);
      const cpu = r.clientCpu === undefined ? '' : `, client CPU ${Math.round(r.clientCpu * 100)} %`;
      console.log(
        `round ${round}/${rounds} ${key(s)}: ${r.requestsPerSecond.toFixed(0)} req/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, errors ${r.errors}${cpu}`,
      );
    }
  }
  // Stopped while a timer holds the event loop: the service process is unref'd, and with the
  // channels closed nothing else would keep this process alive until it has exited.
  for (const c of [...clients, ...bareClients]) c.close();
  await bare.stop();
  const hold = setInterval(() => {}, 1000);
  await service.stop();
  clearInterval(hold);

  const baseline = (rows: 1 | 100) => results.get(key(scenarios.find((s) => s.rows === rows)!))!;
  const summary = scenarios.map((s) => {
    const rs = results.get(key(s))!;
    const base = baseline(s.rows);
    return {
      scenario: key(s),
      reqPerSec: median(rs.map((r) => r.requestsPerSecond)),
      rowsPerSec: median(rs.map((r) => r.requestsPerSecond * s.rows)),
      p50Ms: median(rs.map((r) => r.p50Ms)),
      p99Ms: median(rs.map((r) => r.p99Ms)),
      errors: rs.reduce((a, r) => a + r.errors, 0),
      // Per round (same minute), then the median across rounds.
      ratioToPredict: median(rs.map((r, i) => r.requestsPerSecond / base[i]!.requestsPerSecond)),
      ...(rs[0]!.clientCpu !== undefined && { clientCpu: median(rs.map((r) => r.clientCpu!)) }),
    };
  });

  console.log(`\n${rounds} interleaved round(s) × ${duration} s, ${connections} in flight, pinned: ${CAN_PIN}`);
  console.table(
    summary.map((s) => ({
      scenario: s.scenario,
      'req/s': Math.round(s.reqPerSec),
      'rows/s': Math.round(s.rowsPerSec),
      '÷ /predict': s.ratioToPredict.toFixed(2),
      'p50 ms': s.p50Ms,
      'p99 ms': s.p99Ms,
      errors: s.errors,
      'client CPU': s.clientCpu === undefined ? '' : `${Math.round(s.clientCpu * 100)} %`,
    })),
  );

  await mkdir(`${root}/bench/results`, { recursive: true });
  const file = `${root}/bench/results/v2-${new Date().toISOString().replaceAll(':', '-')}.json`;
  await writeFile(file, JSON.stringify({ rounds, duration, connections, pinned: CAN_PIN, summary }, null, 2));
  console.log(`results written to ${file}`);
}
