/**
 * Process entry: loadConfig -> buildApp -> listen, then graceful shutdown. A startup problem
 * (bad variable, missing or corrupt model file, port in use) prints one line and exits 1.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { loadConfig, type Config } from './config/index.js';
import { StartupError } from './errors.js';

function refuseToStart(err: unknown): never {
  const line =
    err instanceof StartupError
      ? err.message
      : (err as NodeJS.ErrnoException).code === 'EADDRINUSE'
        ? `PORT: address already in use (${(err as Error).message})`
        : ((err as Error).stack ?? String(err));
  process.stderr.write(`ml-service: cannot start: ${line}\n`);
  process.exit(1);
}

let config: Config;
let app: FastifyInstance;
try {
  config = loadConfig();
  app = await buildApp(config);
} catch (err) {
  refuseToStart(err);
}

// SIGTERM/SIGINT: /ready turns 503 at once; after DRAIN_DELAY_MS (time for a load balancer to
// notice) the listener closes, in-flight requests finish, and the process exits 0. A second
// signal, or SHUTDOWN_TIMEOUT_MS passing, exits 1 immediately.
closeWithGrace(
  { delay: config.shutdown.timeoutMs, logger: { error: (message: unknown) => app.log.error(String(message)) } },
  async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'fatal error, shutting down');
    else app.log.info({ signal, drain_delay_ms: config.shutdown.drainDelayMs }, 'shutdown started');
    app.readiness.drain();
    if (!err && config.shutdown.drainDelayMs > 0) await sleep(config.shutdown.drainDelayMs);
    await app.close();
    app.log.info('shutdown complete');
  },
);

try {
  await app.listen({ port: config.port, host: config.host });
} catch (err) {
  refuseToStart(err);
}
