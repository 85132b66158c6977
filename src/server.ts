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
import { loadConfig, MIN_CLOSE_STAGE_MS, type Config } from './config/index.js';
import { StartupError } from './errors.js';
import { currentTracing } from './telemetry/tracing.js';

/** Longest wait for the first (empty) span export before /ready turns 200 anyway. */
const EXPORTER_WARM_UP_MS = 3000;

/**
 * What a failed listen means, named by the variable to change (PORT, or GRPC_PORT for the gRPC
 * listener, whose library reports the system error inside its message rather than as `code`).
 */
function listenProblem(err: NodeJS.ErrnoException, portVariable: 'PORT' | 'GRPC_PORT', port: number, host: string): string | undefined {
  const code = err.code ?? /\b(EADDRINUSE|EACCES|EADDRNOTAVAIL|ENOTFOUND|EAI_AGAIN|EAI_FAIL)\b/.exec(err.message)?.[1];
  switch (code) {
    case 'EADDRINUSE':
      return `${portVariable}=${port}: address already in use on HOST=${host}`;
    case 'EACCES':
      return `${portVariable}=${port}: permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)`;
    case 'EADDRNOTAVAIL':
      return `HOST=${host}: not an address of this machine`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
      return `HOST=${host}: not an IP address or a resolvable host name`;
    default:
      return undefined;
  }
}

function refuseToStart(err: unknown): never {
  const line = err instanceof StartupError ? err.message : ((err as Error).stack ?? String(err));
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

// Shutdown, in stages that each get their share of SHUTDOWN_TIMEOUT_MS:
// 1. drain (SIGTERM only; DRAIN_DELAY_MS): /ready answers 503 and every response closes its
//    connection, while the load balancer stops routing here; requests already sent are served.
// 2. close (what drain and flush leave): the listeners close (HTTP, and gRPC with GOAWAY), in-flight
//    requests and calls finish, the drift worker stops. Past its share the remaining connections
//    are cut, calls cancelled, and the exit code is 1.
// 3. flush (SHUTDOWN_FLUSH_TIMEOUT_MS): pending spans are exported. A collector that cannot be
//    reached costs one warning line, never the exit code: losing spans is not failing a request.
// A second signal exits 1 at once; close-with-grace's own timer is only a backstop.
const BACKSTOP_MARGIN_MS = 1000;
const LOG_FLUSH_TIMEOUT_MS = 500;

async function within<T>(promise: Promise<T>, ms: number): Promise<{ done: true; value: T } | { done: false }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ done: false }>((resolve) => (timer = setTimeout(() => resolve({ done: false }), ms)));
  try {
    return await Promise.race([promise.then((value) => ({ done: true as const, value })), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

closeWithGrace(
  {
    delay: config.shutdown.timeoutMs + BACKSTOP_MARGIN_MS,
    logger: {
      error: (message: unknown) => {
        app.log.error(String(message));
        logStream.flushSync();
      },
    },
  },
  async ({ signal, err }) => {
    const { drainDelayMs, closeTimeoutMs, flushTimeoutMs } = config.shutdown;
    // Ctrl-C is a person at a terminal, not an orchestrator with a load balancer in front.
    const drainMs = err || signal === 'SIGINT' ? 0 : drainDelayMs;
    if (err) app.log.error({ err }, 'fatal error, shutting down');
    else app.log.info({ signal, drain_delay_ms: drainMs }, 'shutdown started');
    app.readiness.drain();
    if (drainMs > 0) await sleep(drainMs);

    let exitCode = err ? 1 : 0;
    // Closes the gRPC listener too (app.ts: its graceful shutdown starts with HTTP's).
    const closing = app.close();
    if (!(await within(closing, closeTimeoutMs)).done) {
      app.log.error({ close_timeout_ms: closeTimeoutMs }, 'in-flight requests did not finish in time; closing their connections');
      app.server.closeAllConnections();
      app.grpc?.forceShutdown();
      exitCode = 1;
      await within(closing, MIN_CLOSE_STAGE_MS);
    }

    if (tracing) {
      const flushed = await within(
        tracing.shutdown().then(
          () => undefined,
          (error: unknown) => error,
        ),
        flushTimeoutMs,
      );
      const problem = flushed.done ? flushed.value : new Error(`no answer within ${flushTimeoutMs} ms (SHUTDOWN_FLUSH_TIMEOUT_MS)`);
      if (problem !== undefined) {
        app.log.warn(
          { endpoint: tracing.options.endpoint, error: String((problem as Error).message ?? problem).split('\n')[0] },
          'final span export failed; pending spans are lost',
        );
      }
    }
    app.log.info({ exit_code: exitCode }, 'shutdown complete');
    // end(), not flushSync(): a synchronous write can overtake an asynchronous one still in flight
    // and print the last lines out of order. end() writes in order and then closes (stdout itself
    // stays open). Bounded, in case stdout is a pipe nobody reads.
    await within(new Promise<void>((resolve) => logStream.once('close', () => resolve()).end()), LOG_FLUSH_TIMEOUT_MS);
    if (exitCode !== 0) process.exit(exitCode);
  },
);

// Not ready until both listeners are: a probe on HTTP must not send gRPC traffic to a closed port.
const grpcBinding = app.grpc && app.readiness.hold('binding the gRPC listener');
try {
  await app.listen({ port: config.port, host: config.host });
} catch (err) {
  const problem = listenProblem(err as NodeJS.ErrnoException, 'PORT', config.port, config.host);
  refuseToStart(problem === undefined ? err : new StartupError(problem));
}
if (app.grpc) {
  try {
    await app.grpc.listen(config.host, config.grpc.port);
    grpcBinding?.();
  } catch (err) {
    const problem = listenProblem(err as NodeJS.ErrnoException, 'GRPC_PORT', config.grpc.port, config.host);
    refuseToStart(problem === undefined ? err : new StartupError(problem));
  }
}
