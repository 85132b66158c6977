import { readFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startApp } from '../helpers/app.js';
import { poll } from '../helpers/poll.js';
import { spawnServer, type ServerProcess } from '../helpers/process.js';

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

interface Stalled {
  readonly socket: Socket;
  /** Resolves with what the server sent and when the connection closed. */
  readonly closed: Promise<{ received: string; at: number }>;
}

/** Connect, send `head` (and `bodyBytes` of a promised larger body), and then nothing more. */
async function stall(port: number, head: string, bodyBytes = 0): Promise<Stalled> {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (chunk) => (received += chunk.toString()));
  const closed = new Promise<{ received: string; at: number }>((resolve) =>
    socket.once('close', () => resolve({ received, at: Date.now() })),
  );
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  if (head) await new Promise<void>((resolve) => socket.write(head, () => resolve()));
  if (bodyBytes > 0) await new Promise<void>((resolve) => socket.write(Buffer.alloc(bodyBytes, 0x20), () => resolve()));
  return { socket, closed };
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)));
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

describe('slow and greedy clients', () => {
  let server: ServerProcess | undefined;
  afterEach(() => {
    server?.child.kill('SIGKILL');
    server = undefined;
  });

  it('stalled bodies, half-sent headers and silent connections are cut after REQUEST_TIMEOUT_MS / HEADERS_TIMEOUT_MS; /health answers meanwhile', async () => {
    const requestTimeoutMs = 2000;
    const headersTimeoutMs = 1000;
    server = await spawnServer({ REQUEST_TIMEOUT_MS: String(requestTimeoutMs), HEADERS_TIMEOUT_MS: String(headersTimeoutMs) });
    const pid = server.child.pid!;
    const before = await rssMiB(pid);

    // 100 bodies of 1 MB promised, 900 KB sent: 90 MB held by the server until it cuts them.
    const started = Date.now();
    const bodies = await Promise.all(
      Array.from({ length: 100 }, () =>
        stall(
          server!.port,
          `POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n`,
          900_000,
        ),
      ),
    );
    const headers = await Promise.all(
      Array.from({ length: 20 }, () => stall(server!.port, 'POST /predict HTTP/1.1\r\nHost: x\r\nContent-Ty')),
    );
    const silent = await Promise.all(Array.from({ length: 20 }, () => stall(server!.port, '')));
    const held = await rssMiB(pid);

    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);

    // Cut within the timeout plus Node's checking interval (at most 1 s); the deadline only stops
    // the test from hanging where nothing would ever cut them.
    const cutBodies = await within(Promise.all(bodies.map((b) => b.closed)), requestTimeoutMs + 10_000, 'stalled bodies cut');
    const cutHeaders = await within(
      Promise.all([...headers, ...silent].map((b) => b.closed)),
      headersTimeoutMs + 10_000,
      'stalled headers cut',
    );
    for (const cut of cutBodies) {
      expect(cut.received).toMatch(/^HTTP\/1\.1 408 Request Timeout/);
      expect(cut.at - started).toBeGreaterThanOrEqual(requestTimeoutMs - 50);
    }
    for (const cut of cutHeaders) expect(cut.at - started).toBeGreaterThanOrEqual(headersTimeoutMs - 50);

    // The service is whole afterwards.
    const predict = await fetch(`${server.url}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"features":{}}',
    });
    expect(predict.status).toBe(200);
    const after = await rssMiB(pid);
    console.log(
      `RSS: ${before.toFixed(0)} MiB idle, ${held.toFixed(0)} MiB with 100 stalled 900 KB bodies, ${after.toFixed(0)} MiB after they were cut`,
    );
  });

  it('MAX_CONNECTIONS: beyond it new connections are closed at once; freed slots serve again', async () => {
    server = await spawnServer({ MAX_CONNECTIONS: '20', REQUEST_TIMEOUT_MS: '60000', HEADERS_TIMEOUT_MS: '60000' });
    const idle = await Promise.all(Array.from({ length: 20 }, () => stall(server!.port, '')));
    const refused = await stall(server.port, 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    expect((await refused.closed).received).toBe('');
    for (const connection of idle.slice(0, 5)) connection.socket.destroy();
    // The server notices the closed slots when it reads their FIN: retry until it has.
    await poll(
      async () =>
        (await fetch(`${server!.url}/health`).then(
          (r) => r.status,
          () => 0,
        )) === 200,
      {
        deadlineMs: 10_000,
        what: 'GET /health answered 200 once slots are freed',
        intervalMs: 10,
      },
    );
    for (const connection of idle) connection.socket.destroy();
  });

  it('the memory of stalled bodies is released once they are cut (measured after a forced GC, app in this process)', async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (!gc) throw new Error('run with --expose-gc (vitest.config.ts sets it)');
    const service = await startApp({ REQUEST_TIMEOUT_MS: '1500', HEADERS_TIMEOUT_MS: '1000' });
    const port = Number(new URL(service.url).port);
    // Two collections a turn apart: external memory (socket buffers) is freed by weak callbacks
    // that the first collection schedules.
    const used = async () => {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
      gc();
      const m = process.memoryUsage();
      return (m.heapUsed + m.external) / 2 ** 20;
    };
    const serverSockets: Socket[] = [];
    service.app.server.on('connection', (socket: Socket) => serverSockets.push(socket));
    try {
      const before = await used();
      const bodies = await Promise.all(
        Array.from({ length: 50 }, () =>
          stall(port, `POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n`, 900_000),
        ),
      );
      // Wait until the server has read every byte (its parser then holds them), then measure.
      const bodyBytes = 50 * 900_000;
      const read = () => serverSockets.reduce((sum, socket) => sum + socket.bytesRead, 0);
      await poll(() => read() >= bodyBytes, {
        deadlineMs: 10_000,
        what: `the server reading ${bodyBytes} body bytes`,
        intervalMs: 0,
        detail: () => `read ${read()}`,
      });
      serverSockets.length = 0; // (this test's own references must not keep them alive)
      const held = await used();
      await within(Promise.all(bodies.map((b) => b.closed)), 15_000, 'stalled bodies cut');
      const after = await used();
      console.log(
        `heap + external: ${before.toFixed(0)} MiB before, ${held.toFixed(0)} MiB with 50 stalled 900 KB bodies, ${after.toFixed(0)} MiB after the cut`,
      );
      expect(held - before).toBeGreaterThan(40);
      expect(after - before).toBeLessThan((held - before) / 4);
    } finally {
      await service.close();
    }
  });
});
