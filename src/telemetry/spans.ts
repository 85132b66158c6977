import { context, SpanStatusCode, trace, TraceFlags, type Attributes, type Span } from '@opentelemetry/api';
import { SERVICE } from './service-info.js';

// A proxy: it delegates to whatever provider instrumentation.ts registered, or to a no-op.
const tracer = trace.getTracer(SERVICE.name, SERVICE.version);

/** The active span if it records (i.e. this request is sampled), else undefined. */
export function recordingSpan(): Span | undefined {
  const span = trace.getActiveSpan();
  return span?.isRecording() ? span : undefined;
}

/** Trace id of the active span when it is sampled: the exemplar of this request's latency. */
export function sampledTraceId(): string | undefined {
  const ctx = trace.getActiveSpan()?.spanContext();
  return ctx && ctx.traceFlags & TraceFlags.SAMPLED ? ctx.traceId : undefined;
}

/**
 * Client errors (status < 500) are the caller's: recorded as an event with error.type, status
 * left unset (OpenTelemetry HTTP conventions). Anything else fails the span.
 */
export function recordError(span: Span, error: unknown): void {
  const err = error instanceof Error ? error : new Error(String(error));
  const status = (error as { statusCode?: number }).statusCode;
  span.recordException(err);
  span.setAttribute('error.type', (error as { code?: string }).code ?? err.name);
  if (!(typeof status === 'number' && status < 500)) span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
}

/**
 * Run `work` in a child span of the active one, only when the request is sampled: an unsampled
 * request pays one getActiveSpan() and nothing else.
 */
export function inSpan<T>(name: string, attributes: Attributes, work: (span: Span | undefined) => T): T {
  if (!recordingSpan()) return work(undefined);
  const span = tracer.startSpan(name, { attributes });
  const run = () => {
    let result: T;
    try {
      result = work(span);
    } catch (err) {
      recordError(span, err);
      span.end();
      throw err;
    }
    if (result instanceof Promise) {
      return result.then(
        (value) => (span.end(), value),
        (err: unknown) => {
          recordError(span, err);
          span.end();
          throw err;
        },
      ) as T;
    }
    span.end();
    return result;
  };
  return context.with(trace.setSpan(context.active(), span), run);
}
