import { trace, TraceFlags } from '@opentelemetry/api';
import type { DestinationStream, LoggerOptions } from 'pino';

export interface LoggerSettings {
  readonly level: string;
  readonly service: { readonly name: string; readonly version: string };
  /** Feature names whose values are replaced by "[REDACTED]" in logged payloads. */
  readonly redactFeatures?: readonly string[];
  /** Add trace_id/span_id of the active span (default true; off for background diagnostics). */
  readonly traceContext?: boolean;
}

/**
 * trace_id / span_id of the active span on every line written while handling a request: a log
 * line leads to its trace and back. A mixin reads the OpenTelemetry context directly, so pino
 * needs no instrumentation patching it, and nothing is sent anywhere but stdout.
 */
function traceContext(): object {
  const span = trace.getActiveSpan();
  // A fresh object each time: pino merges the log call's fields into what the mixin returns.
  if (!span) return {};
  const { traceId, spanId, traceFlags } = span.spanContext();
  return { trace_id: traceId, span_id: spanId, trace_sampled: (traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED };
}

// One ISO-8601 string per millisecond, not per line: at thousands of lines per second most lines
// share their millisecond with the previous one, and Date#toISOString costs ~0.5 µs.
let stampMs = Number.NaN;
let stamp = '';
function isoTime(): string {
  const now = Date.now();
  if (now !== stampMs) {
    stampMs = now;
    stamp = `,"time":"${new Date(now).toISOString()}"`;
  }
  return stamp;
}

/**
 * pino options for every logger of the process: one JSON object per line, ISO-8601 time, the
 * level as a word, service name and version on every line.
 */
export function loggerOptions(settings: LoggerSettings): LoggerOptions {
  const redact = settings.redactFeatures ?? [];
  return {
    level: settings.level,
    base: { service: settings.service.name, version: settings.service.version },
    timestamp: isoTime,
    formatters: { level: (label) => ({ level: label }) },
    ...(settings.traceContext !== false && { mixin: traceContext }),
    ...(redact.length > 0 && {
      redact: { paths: redact.flatMap((name) => [`features.${name}`, `instances[*].${name}`]), censor: '[REDACTED]' },
    }),
  };
}

export type { DestinationStream };
