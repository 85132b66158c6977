/**
 * Process entry: loadConfig -> buildApp -> listen, then graceful shutdown. A startup problem
 * (bad variable, missing or corrupt model file, port in use) prints one line and exits 1.
 *
 * Tracing, when on, was started before this module by `--import ./dist/telemetry/instrumentation.js`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildApp } from './app.js';
import { loadConfig, type Config } from './config/index.js';
import { StartupError } from './errors.js';
import { currentTracing } from './telemetry/tracing.js';

/** Longest wait for the first (empty) span export before /ready turns 200 anyway. */
const EXPORTER_WARM_UP_MS = 3000;

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

// Asynchronous writes: a log line costs the request path a buffer copy, not a write(2).
// Flushed synchronously on the way out.
const logStream = pino.destination({ dest: 1, sync: false });
const tracing = currentTracing();

let config: Config;
let app: FastifyInstance;
try {
  config = loadConfig();
  app = await buildApp(config, { logStream, ...(tracing && { spanStats: tracing.stats }) });
} catch (err) {
  refuseToStart(err);
}

if (tracing) {
  const release = app.readiness.hold('warming up the span exporter');
  void tracing.warmUp(EXPORTER_WARM_UP_MS).then((reached) => {
    if (!reached) {
      app.log.warn({ endpoint: tracing.options.endpoint }, 'trace collector not reachable at startup; spans will be retried and counted');
    }
    release();
  });
}

// SIGTERM/SIGINT: /ready turns 503 at once; after DRAIN_DELAY_MS (time for a load balancer to
// notice) the listener closes, in-flight requests finish, pending spans are exported, and the
// process exits 0. A second signal, or SHUTDOWN_TIMEOUT_MS passing, exits 1 immediately.
closeWithGrace(
  {
    delay: config.shutdown.timeoutMs,
    logger: {
      error: (message: unknown) => {
        app.log.error(String(message));
        logStream.flushSync();
      },
    },
  },
  async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'fatal error, shutting down');
    else app.log.info({ signal, drain_delay_ms: config.shutdown.drainDelayMs }, 'shutdown started');
    app.readiness.drain();
    if (!err && config.shutdown.drainDelayMs > 0) await sleep(config.shutdown.drainDelayMs);
    await app.close();
    await tracing?.shutdown();
    app.log.info('shutdown complete');
    logStream.flushSync();
  },
);

try {
  await app.listen({ port: config.port, host: config.host });
} catch (err) {
  refuseToStart(err);
}
