/**
 * An experiment, not the product: dist/server.js's app with a different pino destination, to
 * measure what the log destination costs (bench/telemetry.ts --experiments). server.ts writes with
 * pino.destination({ dest: 1, sync: false }): with the default minLength 0, nearly every line is
 * its own fs.write through the libuv thread pool.
 *
 *   BENCH_LOG_MIN_LENGTH  bytes buffered before a write (sonic-boom minLength; default 0)
 *   BENCH_LOG_SYNC        "true": write(2) on the calling thread
 *   BENCH_LOG_NOOP        "true": lines are formatted and dropped (what formatting alone costs)
 */
import { pino } from 'pino';

// The built modules (the ones --import dist/telemetry/instrumentation.js started tracing in),
// typed by their sources.
const dist = (path: string) => new URL(`../dist/${path}`, import.meta.url).href;
const { buildApp } = (await import(dist('app.js'))) as typeof import('../src/app.js');
const { loadConfig } = (await import(dist('config/index.js'))) as typeof import('../src/config/index.js');
const { currentTracing } = (await import(dist('telemetry/tracing.js'))) as typeof import('../src/telemetry/tracing.js');

const destination = pino.destination({
  dest: 1,
  sync: process.env['BENCH_LOG_SYNC'] === 'true',
  minLength: Number(process.env['BENCH_LOG_MIN_LENGTH'] ?? 0),
});
// Until listening: the bench reads nothing from stdout, but a start-up failure should be seen.
let dropLines = false;
const logStream =
  process.env['BENCH_LOG_NOOP'] === 'true'
    ? { write: (line: string) => (dropLines ? undefined : destination.write(line)), flushSync: () => destination.flushSync() }
    : destination;
const tracing = currentTracing();
const app = await buildApp(loadConfig(), { logStream, ...(tracing && { spanStats: tracing.stats }) });
if (tracing) {
  const release = app.readiness.hold('warming up the span exporter');
  void tracing.warmUp(3000).then(release);
}
const stop = () => {
  void app
    .close()
    .then(() => tracing?.shutdown())
    .finally(() => {
      logStream.flushSync();
      process.exit(0);
    });
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
await app.listen({ port: Number(process.env['PORT'] ?? 0), host: '127.0.0.1' });
dropLines = true;
