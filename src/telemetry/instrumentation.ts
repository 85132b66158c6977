/**
 * Loaded before the app with `node --import ./dist/telemetry/instrumentation.js dist/server.js`,
 * so that instrumentations are in place before Fastify is imported. Reads the OTEL_* variables.
 */
import { loadTracingConfig } from '../config/tracing-config.js';
import { StartupError } from '../errors.js';
import { startTracing } from './tracing.js';

try {
  await startTracing(loadTracingConfig(process.env));
} catch (err) {
  process.stderr.write(`ml-service: cannot start: ${err instanceof StartupError ? err.message : String((err as Error).stack ?? err)}\n`);
  process.exit(1);
}
