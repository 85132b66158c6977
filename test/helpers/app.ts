import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppOverrides } from '../../src/app.js';
import { loadConfig, PACKAGED_MODELS_DIR, type Config } from '../../src/config/index.js';
import { loadModelRegistry, type ModelRegistry } from '../../src/model/index.js';

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ LOG_LEVEL: 'silent', ...env });
}

let registry: Promise<ModelRegistry> | undefined;
/** The embedded model, loaded once per test file (each file runs in its own process). */
export function sharedRegistry(): Promise<ModelRegistry> {
  registry ??= loadModelRegistry(PACKAGED_MODELS_DIR, { intraOpThreads: 1 });
  return registry;
}

export interface RunningApp {
  readonly app: FastifyInstance;
  readonly url: string;
  close(): Promise<void>;
}

/** Build the real app and listen on an ephemeral loopback port: tests talk real HTTP. */
export async function startApp(env: Record<string, string> = {}, overrides: AppOverrides = {}): Promise<RunningApp> {
  const app = await buildApp(testConfig(env), { registry: await sharedRegistry(), ...overrides });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    json: text ? (JSON.parse(text) as Record<string, unknown>) : undefined,
  };
}
