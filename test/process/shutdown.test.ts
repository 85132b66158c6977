import { Agent, request } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { poll } from '../helpers/poll.js';
import { freePort } from '../helpers/loopback-binary.js';
import { spawnServer, type LogLine, type ServerProcess } from '../helpers/process.js';

const BODY = JSON.stringify({ features: { amount: 100, age: 35 } });

async function predict(url: string): Promise<number> {
  const response = await fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY });
  await response.arrayBuffer();
  return response.status;
}

const after = (logs: LogLine[], msg: string) => logs.slice(logs.findIndex((l) => l.msg === msg));

describe('shutdown with tracing on and no collector', () => {
  let server: ServerProcess | undefined;
  afterEach(() => {
    server?.child.kill('SIGKILL');
    server = undefined;
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} after sampled requests -> exit 0, one warning for the lost spans, the shutdown line logged`, async () => {
      const port = await freePort();
      server = await spawnServer(
        // Every request sampled; the periodic export far away, so the spans are still queued at the signal.
        {
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
          OTEL_TRACES_SAMPLER_ARG: '1',
          OTEL_BSP_SCHEDULE_DELAY: '600000',
          DRAIN_DELAY_MS: '0',
        },
        { traced: true },
      );
      for (let i = 0; i < 5; i++) expect(await predict(server.url)).toBe(200);
      server.child.kill(signal);
      expect(await server.exited).toEqual({ code: 0, signal: null });
      const shutdown = after(server.logs, 'shutdown started');
      expect(shutdown[0]).toMatchObject({ signal });
      expect(shutdown.filter((l) => l.level === 'error')).toEqual([]);
      const warnings = shutdown.filter((l) => l.level === 'warn');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({ msg: 'final span export failed; pending spans are lost', endpoint: `http://127.0.0.1:${port}` });
      expect(String(warnings[0]!['error'])).toMatch(/UNAVAILABLE/);
      expect(warnings[0]).not.toHaveProperty('stack');
      expect(shutdown.at(-1)).toMatchObject({ msg: 'shutdown complete', exit_code: 0 });
      expect(server.stderr()).toBe('');
    });
  }

  it('a collector that accepts connections and never answers -> the flush gives up after SHUTDOWN_FLUSH_TIMEOUT_MS, exit 0', async () => {
    // A TCP peer that never speaks HTTP/2: the export waits on it until its own deadline (10 s by default).
    const sockets = new Set<Socket>();
    const blackHole: Server = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    const { port } = blackHole.address() as { port: number };
    try {
      server = await spawnServer(
        {
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
          OTEL_TRACES_SAMPLER_ARG: '1',
          OTEL_BSP_SCHEDULE_DELAY: '600000',
          OTEL_EXPORTER_OTLP_TIMEOUT: '60000',
          DRAIN_DELAY_MS: '0',
          SHUTDOWN_FLUSH_TIMEOUT_MS: '300',
          SHUTDOWN_TIMEOUT_MS: '2000',
        },
        { traced: true },
      );
      expect(await predict(server.url)).toBe(200);
      server.child.kill('SIGTERM');
      expect(await server.exited).toEqual({ code: 0, signal: null });
      const warnings = after(server.logs, 'shutdown started').filter((l) => l.level === 'warn');
      expect(warnings).toHaveLength(1);
      expect(String(warnings[0]!['error'])).toBe('no answer within 300 ms (SHUTDOWN_FLUSH_TIMEOUT_MS)');
      expect(server.logs.at(-1), JSON.stringify(server.logs.slice(-4))).toMatchObject({ msg: 'shutdown complete', exit_code: 0 });
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => blackHole.close(resolve));
    }
  });
});

describe('SIGTERM under load with the default drain delay', () => {
  let server: ServerProcess | undefined;
  afterEach(() => {
    server?.child.kill('SIGKILL');
    server = undefined;
  });

  it('50 concurrent keep-alive clients: every request sent before the load balancer stops routing gets 200; exit 0', async () => {
    server = await spawnServer({});
    const { port } = server;
    const agent = new Agent({ keepAlive: true, maxSockets: 50 });
    const post = () =>
      new Promise<{ status: number; connection: string | undefined } | { error: string }>((resolve) => {
        const req = request(
          {
            host: '127.0.0.1',
            port,
            path: '/predict',
            method: 'POST',
            agent,
            headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(BODY) },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
          },
        );
        req.on('error', (err) => resolve({ error: String(err) }));
        req.end(BODY);
      });

    // The load balancer: routes to this replica until its /ready says 503 (or the replica is gone).
    let routing = true;
    let signalled = false;
    const outcomes: { afterSignal: boolean; result: Awaited<ReturnType<typeof post>> }[] = [];
    const client = async () => {
      while (routing) {
        const afterSignal = signalled;
        outcomes.push({ afterSignal, result: await post() });
      }
    };
    const clients = Array.from({ length: 50 }, client);
    try {
      // Every client has a kept-alive connection and requests in flight before the signal.
      await poll(() => outcomes.length >= 500, { deadlineMs: 20_000, what: '500 responses before the signal', intervalMs: 0 });
      signalled = true;
      server.child.kill('SIGTERM');
      await server.waitForLog((l) => l.msg === 'shutdown started', 'shutdown started');
      await poll(
        async () =>
          (await fetch(`http://127.0.0.1:${port}/ready`).then(
            (r) => r.status,
            () => 0,
          )) !== 200,
        {
          deadlineMs: 10_000,
          what: '/ready no longer 200',
          intervalMs: 0,
        },
      );
    } finally {
      // The clients stop whatever happened, so that none outlives the test.
      routing = false;
      await Promise.all(clients);
      agent.destroy();
    }

    const failed = outcomes.filter((o) => !('status' in o.result) || o.result.status !== 200);
    expect(failed).toEqual([]);
    const inDrain = outcomes.filter((o) => o.afterSignal);
    expect(inDrain.length).toBeGreaterThanOrEqual(50);
    // While draining, responses ask clients to reconnect (elsewhere, behind a real load balancer).
    expect(inDrain.some((o) => 'connection' in o.result && o.result.connection === 'close')).toBe(true);
    expect(await server.exited).toEqual({ code: 0, signal: null });
  });
});
