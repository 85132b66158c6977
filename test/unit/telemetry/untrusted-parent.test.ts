import { defaultTextMapGetter, defaultTextMapSetter, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  InMemorySpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TracerProvider,
  type Sampler,
} from '@opentelemetry/sdk-trace';
import { beforeEach, describe, expect, it } from 'vitest';
import { UntrustedParentLinker, UntrustedParentPropagator, untrustedParentOf } from '../../../src/telemetry/untrusted-parent.js';

const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const headers = (flags: '00' | '01') => ({ traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-${flags}`, baggage: 'tenant=acme' });

const w3c = () => new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] });
const exporter = new InMemorySpanExporter();
const tracerWith = (root: Sampler) =>
  new TracerProvider({
    sampler: new ParentBasedSampler({ root }),
    spanProcessors: [new UntrustedParentLinker(), new SimpleSpanProcessor({ exporter })],
  }).getTracer('test');

describe('UntrustedParentPropagator + UntrustedParentLinker', () => {
  beforeEach(() => exporter.reset());
  const untrusted = new UntrustedParentPropagator(w3c());

  it("a sampled caller under a sampler that samples nothing: no span, and the caller's trace id is nowhere", () => {
    const ctx = untrusted.extract(ROOT_CONTEXT, headers('01'), defaultTextMapGetter);
    const span = tracerWith(new AlwaysOffSampler()).startSpan('request', {}, ctx);
    expect(span.isRecording()).toBe(false);
    expect(span.spanContext().traceId).not.toBe(CALLER_TRACE);
    span.end();
    expect(exporter.getFinishedSpans()).toHaveLength(0);
  });

  it("an unsampled caller under a sampler that samples everything: a new root, linked to the caller's span", () => {
    const ctx = untrusted.extract(ROOT_CONTEXT, headers('00'), defaultTextMapGetter);
    const tracer = tracerWith(new AlwaysOnSampler());
    const request = tracer.startSpan('request', {}, ctx);
    const child = tracer.startSpan('predict', {}, trace.setSpan(ctx, request));
    child.end();
    request.end();
    const [predict, root] = exporter.getFinishedSpans();
    expect(root!.spanContext().traceId).not.toBe(CALLER_TRACE);
    expect(root!.parentSpanContext).toBeUndefined();
    expect(root!.links).toEqual([{ context: expect.objectContaining({ traceId: CALLER_TRACE, spanId: CALLER_SPAN, isRemote: true }) }]);
    // Only the span that starts the trace carries the link; its children are ordinary children.
    expect(predict!.spanContext().traceId).toBe(root!.spanContext().traceId);
    expect(predict!.parentSpanContext?.spanId).toBe(root!.spanContext().spanId);
    expect(predict!.links).toEqual([]);
  });

  it("keeps the caller's baggage and a local active span; injects the service's own trace downstream", () => {
    const local = trace.wrapSpanContext({ traceId: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', spanId: 'bbbbbbbbbbbbbbbb', traceFlags: 1 });
    const ctx = untrusted.extract(trace.setSpan(ROOT_CONTEXT, local), headers('01'), defaultTextMapGetter);
    expect(trace.getSpan(ctx)).toBe(local);
    expect(untrustedParentOf(ctx)?.traceId).toBe(CALLER_TRACE);
    expect(propagation.getBaggage(ctx)?.getEntry('tenant')?.value).toBe('acme');
    const carrier: Record<string, string> = {};
    untrusted.inject(ctx, carrier, defaultTextMapSetter);
    expect(carrier['traceparent']).toBe('00-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-bbbbbbbbbbbbbbbb-01');
    expect(untrusted.fields()).toEqual(w3c().fields());
  });

  it('a request without (or with a malformed) traceparent is untouched', () => {
    for (const carrier of [{}, { traceparent: 'garbage' }]) {
      const ctx = untrusted.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
      expect(trace.getSpan(ctx)).toBeUndefined();
      expect(untrustedParentOf(ctx)).toBeUndefined();
    }
  });

  it("the trusting propagator, for contrast, adopts the caller's trace id", () => {
    const ctx = w3c().extract(ROOT_CONTEXT, headers('01'), defaultTextMapGetter);
    const span = tracerWith(new AlwaysOffSampler()).startSpan('request', {}, ctx);
    expect(span.spanContext().traceId).toBe(CALLER_TRACE);
    expect(span.isRecording()).toBe(true);
    span.end();
  });
});
