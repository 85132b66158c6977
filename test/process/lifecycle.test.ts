import { chown, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PACKAGED_MODELS_DIR } from '../../src/config/index.js';
import { poll } from '../helpers/poll.js';
import { runToExit, spawnServer, type ServerProcess } from '../helpers/process.js';

const BODY = JSON.stringify({ features: { amount: 100, age: 35 }, model_name: 'fraud-detection', model_version: 'v1.0' });

/**
 * Open a raw connection and send a POST /predict whose body is held back. "Expect: 100-continue"
 * makes the server answer "100 Continue" once it has parsed the headers, so when this resolves
 * the request is provably in flight inside the server.
 */
async function startRequestInFlight(port: number): Promise<{ socket: Socket; finish(): Promise<string> }> {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (chunk) => (received += chunk.toString()));
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.write(
    `POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(BODY)}\r\nExpect: 100-continue\r\n\r\n`,
  );
  await new Promise<void>((resolve, reject) => {
    const check = () => (received.includes('100 Continue') ? resolve() : undefined);
    socket.on('data', check).once('error', reject);
    check();
  });
  return {
    socket,
    finish: () =>
      new Promise<string>((resolve, reject) => {
        socket.once('end', () => resolve(received)).once('error', reject);
        socket.write(BODY);
      }),
  };
}

/** Resolves once the listener refuses new connections (polls connect; each attempt is a real probe). */
async function untilConnectionRefused(port: number): Promise<void> {
  await poll(
    () =>
      new Promise<boolean>((resolve) => {
        const probe = connect(port, '127.0.0.1');
        probe.once('connect', () => (probe.destroy(), resolve(false)));
        probe.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
      }),
    { deadlineMs: 10_000, what: `port ${port} refusing connections`, intervalMs: 0 },
  );
}

describe('graceful shutdown', () => {
  let server: ServerProcess | undefined;
  afterEach(() => {
    server?.child.kill('SIGKILL');
    server = undefined;
  });

  it('SIGTERM with a request in flight: the listener closes, the request completes with 200, exit code 0', async () => {
    server = await spawnServer({ DRAIN_DELAY_MS: '0' });
    const inFlight = await startRequestInFlight(server.port);
    server.child.kill('SIGTERM');
    await server.waitForLog((l) => l.msg === 'shutdown started', 'shutdown started');
    await untilConnectionRefused(server.port);
    const response = await inFlight.finish();
    expect(response).toMatch(/HTTP\/1\.1 200 OK/);
    expect(response).toContain('"model_name":"fraud-detection"');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.logs.some((l) => l.msg === 'shutdown complete')).toBe(true);
  });

  it('/ready turns 503 first and predictions go on during DRAIN_DELAY_MS, then exit code 0', async () => {
    // Long enough for three loopback requests on a loaded machine. They are answered within the
    // drain (the service's and this process's clocks are the same), and the drain lasted it whole.
    const drainMs = 2000;
    server = await spawnServer({ DRAIN_DELAY_MS: String(drainMs) });
    expect((await fetch(`${server.url}/ready`)).status).toBe(200);
    server.child.kill('SIGTERM');
    const started = await server.waitForLog((l) => l.msg === 'shutdown started', 'shutdown started');
    expect(started).toMatchObject({ drain_delay_ms: drainMs });
    const ready = await fetch(`${server.url}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'draining' });
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    const predict = await fetch(`${server.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY });
    expect(predict.status).toBe(200);
    expect(Date.now() - Date.parse(String(started['time']))).toBeLessThan(drainMs);
    expect(await server.exited).toEqual({ code: 0, signal: null });
    const complete = server.logs.find((l) => l.msg === 'shutdown complete');
    // (Less a few ms: the timer runs on the event loop's cached clock, the log times on the wall clock.)
    expect(Date.parse(String(complete?.['time'])) - Date.parse(String(started['time']))).toBeGreaterThanOrEqual(drainMs - 20);
  });

  it('an in-flight request that never finishes cannot hold the process past its share of SHUTDOWN_TIMEOUT_MS: cut, exit code 1', async () => {
    server = await spawnServer({
      SHUTDOWN_TIMEOUT_MS: '1500',
      DRAIN_DELAY_MS: '0',
      SHUTDOWN_FLUSH_TIMEOUT_MS: '0',
      REQUEST_TIMEOUT_MS: '600000',
      HEADERS_TIMEOUT_MS: '600000',
    });
    const stuck = await startRequestInFlight(server.port);
    const cut = new Promise<void>((resolve) => stuck.socket.once('close', () => resolve()));
    server.child.kill('SIGTERM');
    expect((await server.exited).code).toBe(1);
    await cut;
    expect(server.logs.some((l) => l.level === 'error' && String(l.msg).startsWith('in-flight requests did not finish in time'))).toBe(
      true,
    );
    expect(server.logs.at(-1)).toMatchObject({ msg: 'shutdown complete', exit_code: 1 });
  });

  it('a second signal during the drain exits at once with code 1', async () => {
    server = await spawnServer({ DRAIN_DELAY_MS: '590000', SHUTDOWN_TIMEOUT_MS: '600000' });
    server.child.kill('SIGTERM');
    await server.waitForLog((l) => l.msg === 'shutdown started', 'shutdown started');
    server.child.kill('SIGINT');
    expect((await server.exited).code).toBe(1);
  });
});

describe('refusing to start', () => {
  let root: string;
  let dir: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'ml-start-'));
    dir = join(root, 'fraud-detection', 'v1.0');
    await cp(join(PACKAGED_MODELS_DIR, 'fraud-detection', 'v1.0'), dir, { recursive: true });
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  /** Exit code 1, nothing on stdout, exactly one line on stderr matching `pattern`. */
  async function expectRefusal(env: Record<string, string>, pattern: RegExp, as: { uid?: number; gid?: number } = {}) {
    const { code, stdout, stderr } = await runToExit(env, as);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const lines = stderr.split('\n').filter(Boolean);
    expect(lines, stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^ml-service: cannot start: /);
    expect(lines[0]).toMatch(pattern);
  }

  it('a bad environment variable -> names it', async () => {
    await expectRefusal({ MAX_BATCH_SIZE: '-5' }, /MAX_BATCH_SIZE="-5"/);
    await expectRefusal({ LOG_LEVEL: 'chatty' }, /LOG_LEVEL="chatty"/);
  });

  it('a shutdown budget its stages cannot fit in -> names the variables', async () => {
    await expectRefusal(
      { DRAIN_DELAY_MS: '10000', SHUTDOWN_TIMEOUT_MS: '10000' },
      /SHUTDOWN_TIMEOUT_MS=10000 must exceed DRAIN_DELAY_MS=10000 \+ SHUTDOWN_FLUSH_TIMEOUT_MS=2000 by at least 1000 ms/,
    );
    await expectRefusal(
      { HEADERS_TIMEOUT_MS: '20000', REQUEST_TIMEOUT_MS: '10000' },
      /HEADERS_TIMEOUT_MS=20000 must not exceed REQUEST_TIMEOUT_MS=10000/,
    );
  });

  it('a HOST that is no address -> names HOST, no stack trace', async () => {
    await expectRefusal(
      { HOST: '256.1.1.1' },
      /^ml-service: cannot start: HOST=256\.1\.1\.1: not an IP address or a resolvable host name$/,
    );
  });

  it('a HOST that is not on this machine -> names HOST, no stack trace', async () => {
    await expectRefusal({ HOST: '203.0.113.7' }, /^ml-service: cannot start: HOST=203\.0\.113\.7: not an address of this machine$/);
  });

  it('a PORT in use -> names PORT, no stack trace', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      await expectRefusal(
        { PORT: String(port) },
        new RegExp(`^ml-service: cannot start: PORT=${port}: address already in use on HOST=127\\.0\\.0\\.1$`),
      );
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('a privileged PORT as a non-root user -> names PORT, no stack trace', async () => {
    // As root (CI), run the server as "nobody" so that binding port 80 is refused for real; with a
    // home of its own, where onnxruntime keeps its device id (else it warns on stderr).
    const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    if (asNobody.uid !== undefined) await chown(root, asNobody.uid, asNobody.gid!);
    await expectRefusal(
      { PORT: '80', HOME: root },
      /^ml-service: cannot start: PORT=80: permission denied \(ports below 1024 need root or CAP_NET_BIND_SERVICE\)$/,
      asNobody,
    );
  });

  it('a corrupt model.onnx -> names the file', async () => {
    await writeFile(join(dir, 'model.onnx'), 'not a model');
    await expectRefusal({ MODELS_DIR: root }, new RegExp(`${join(dir, 'model.onnx')}: not a loadable ONNX model`));
  });

  it('a bad cell in reference.csv -> names file, line and column', async () => {
    const text = await readFile(join(dir, 'reference.csv'), 'utf8');
    const lines = text.split('\n');
    lines[9] = lines[9]!.replace(/^[^,]+/, 'NaN');
    await writeFile(join(dir, 'reference.csv'), lines.join('\n'));
    await expectRefusal({ MODELS_DIR: root }, new RegExp(`${join(dir, 'reference.csv')}:10:1: amount must be a finite`));
  });

  it('a missing schema.json -> names the file', async () => {
    await rm(join(dir, 'schema.json'));
    await expectRefusal({ MODELS_DIR: root }, new RegExp(`${join(dir, 'schema.json')}: cannot read schema: ENOENT`));
  });

  it('a default model that is not loaded -> names the variables', async () => {
    await expectRefusal(
      { DEFAULT_MODEL_VERSION: 'v2.0' },
      /DEFAULT_MODEL_NAME=fraud-detection DEFAULT_MODEL_VERSION=v2\.0: not among the loaded models/,
    );
  });
});
