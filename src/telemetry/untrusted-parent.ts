import {
  createContextKey,
  trace,
  type Context,
  type SpanContext,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from '@opentelemetry/api';
import type { Span, SpanProcessor } from '@opentelemetry/sdk-trace';

/** Where UntrustedParentPropagator leaves the caller's span context for UntrustedParentLinker. */
const UNTRUSTED_PARENT = createContextKey('ml-service untrusted remote parent');

/** The caller's span context an incoming request carried, when it was not adopted as parent. */
export function untrustedParentOf(context: Context): SpanContext | undefined {
  return context.getValue(UNTRUSTED_PARENT) as SpanContext | undefined;
}

/**
 * Wraps the service's propagator for callers it does not trust. Instrumentations (@fastify/otel,
 * the http instrumentation) start the request span in whatever context `propagation.extract`
 * returns; this one returns the context without the caller's span, so the request span is a new
 * root: a new trace id, sampled by the service's own sampler, whatever the caller's sampled flag.
 * The caller's span context stays in the context under a private key, for UntrustedParentLinker.
 *
 * Everything else the inner propagator extracts (baggage) is kept, and injection is unchanged:
 * downstream calls carry the service's own trace.
 */
export class UntrustedParentPropagator implements TextMapPropagator {
  constructor(private readonly inner: TextMapPropagator) {}

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    const extracted = this.inner.extract(context, carrier, getter);
    const before = trace.getSpan(context);
    const after = trace.getSpan(extracted);
    if (after === undefined || after === before) return extracted;
    const withoutCaller = before === undefined ? trace.deleteSpan(extracted) : trace.setSpan(extracted, before);
    return withoutCaller.setValue(UNTRUSTED_PARENT, after.spanContext());
  }

  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    this.inner.inject(context, carrier, setter);
  }

  fields(): string[] {
    return this.inner.fields();
  }
}

/**
 * Links the first span started in a context from UntrustedParentPropagator (the request span, a
 * root) to the caller's span: the caller's trace can still find this one, without its trace id
 * being adopted. Only recorded spans reach a span processor, so unsampled requests cost nothing.
 */
export class UntrustedParentLinker implements SpanProcessor {
  onStart(span: Span, parentContext: Context): void {
    if (trace.getSpan(parentContext) !== undefined) return;
    const caller = untrustedParentOf(parentContext);
    if (caller) span.addLink({ context: caller });
  }

  onEnd(): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
