import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { status as Status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { inferenceClient, type InferenceClient } from '../helpers/grpc-client.js';
import { freePort } from '../helpers/loopback-binary.js';
import { poll } from '../helpers/poll.js';
import { runToExit, spawnServer, type ServerProcess } from '../helpers/process.js';

const INFER = {
  model_name: 'fraud-detection',
  inputs: [{ name: 'amount', datatype: 'FP32', shape: [1], contents: { fp32_contents: [120] } }],
  outputs: [{ name: 'score' }],
};

async function startWithGrpc(env: Record<string, string> = {}): Promise<{ server: ServerProcess; client: InferenceClient; port: number }> {
  const port = await freePort();
  const server = await spawnServer({ GRPC_ENABLED: 'true', GRPC_PORT: String(port), ...env });
  await server.waitForLog((l) => l.msg === `gRPC server listening at 127.0.0.1:${port}`, 'gRPC listening');
  return { server, client: inferenceClient(`127.0.0.1:${port}`), port };
}

describe('node dist/server.js with GRPC_ENABLED=true', () => {
  let running: { server: ServerProcess; client: InferenceClient; port: number } | undefined;
  afterEach(() => {
    running?.client.close();
    running?.server.child.kill('SIGKILL');
    running = undefined;
  });

  it('serves on GRPC_PORT; SIGTERM: ServerReady false and ModelInfer still served through the drain, then exit 0 and the port closed', async () => {
    running = await startWithGrpc({ DRAIN_DELAY_MS: '1500' });
    const { server, client } = running;
    expect((await client.call('ServerReady', {})).response).toEqual({ ready: true });
    expect((await client.call('ModelInfer', INFER)).error).toBeUndefined();
    expect((await fetch(`${server.url}/v2/health/ready`)).status).toBe(200);

    server.child.kill('SIGTERM');
    await poll(async () => (await client.call<{ ready: boolean }>('ServerReady', {})).response?.ready === false, {
      deadlineMs: 1000,
      what: 'ServerReady false after SIGTERM',
    });
    const during = await client.call<{ outputs: unknown[] }>('ModelInfer', INFER);
    expect(during.error).toBeUndefined();
    expect(during.response!.outputs).toHaveLength(1);

    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.logs.at(-1)).toMatchObject({ msg: 'shutdown complete', exit_code: 0 });
    const shutdown = server.logs.slice(server.logs.findIndex((l) => l.msg === 'shutdown started'));
    expect(shutdown.filter((l) => l.level === 'error' || l.level === 'warn')).toEqual([]);
    expect(server.stderr()).toBe('');
    const after = await client.call('ServerLive', {});
    expect(after.error?.code).toBe(Status.UNAVAILABLE);
  });

  it('SIGTERM without a drain into 8 clients calling in a loop: every call answered OK or UNAVAILABLE (refused, retry elsewhere), exit 0', async () => {
    running = await startWithGrpc({ DRAIN_DELAY_MS: '0' });
    const { server, port } = running;
    const clients = Array.from({ length: 8 }, () => inferenceClient(`127.0.0.1:${port}`));
    const codes: number[] = [];
    let stop = false;
    const loops = clients.map(async (c) => {
      while (!stop) {
        const { error } = await c.call('ModelInfer', INFER);
        codes.push(error?.code ?? Status.OK);
        if (error?.code === Status.UNAVAILABLE) return;
      }
    });
    await poll(() => codes.length >= 40, { deadlineMs: 10_000, what: '40 calls answered' });
    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    stop = true;
    await Promise.all(loops);
    for (const c of clients) c.close();
    expect(new Set(codes.filter((c) => c !== Status.OK && c !== Status.UNAVAILABLE))).toEqual(new Set());
    expect(codes.filter((c) => c === Status.OK).length).toBeGreaterThanOrEqual(40);
    expect(server.logs.at(-1)).toMatchObject({ msg: 'shutdown complete', exit_code: 0 });
  });

  it('a GRPC_PORT in use -> refuses to start with one line naming GRPC_PORT, exit 1', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const { code, stderr } = await runToExit({ GRPC_ENABLED: 'true', GRPC_PORT: String(port), OTEL_SDK_DISABLED: 'true' });
      expect(code).toBe(1);
      expect(stderr.trimEnd()).toMatch(
        new RegExp(`^ml-service: cannot start: GRPC_PORT=${port}: address already in use on HOST=127\\.0\\.0\\.1$`),
      );
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
