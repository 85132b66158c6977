import { propagation, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { AlwaysOnSampler, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { status as Status } from '@grpc/grpc-js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UntrustedParentLinker, UntrustedParentPropagator } from '../../src/telemetry/untrusted-parent.js';
import { startApp, type RunningApp } from '../helpers/app.js';
import { inferenceClient, type InferenceClient } from '../helpers/grpc-client.js';

// Spans of this process end up here: the service's spans go through the global tracer provider,
// as when instrumentation.ts registered one (each test file runs in its own process).
const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({
  sampler: new AlwaysOnSampler(),
  spanProcessors: [new UntrustedParentLinker(), new SimpleSpanProcessor({ exporter })],
});
provider.register({ contextManager: new AsyncLocalStorageContextManager(), propagator: new W3CTraceContextPropagator() });

const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const traceparent = `00-${CALLER_TRACE}-${CALLER_SPAN}-01`;
const INFER_SPAN = 'inference.GRPCInferenceService/ModelInfer';

describe('gRPC server spans', () => {
  let service: RunningApp;
  let client: InferenceClient;
  beforeAll(async () => {
    service = await startApp({ GRPC_ENABLED: 'true', GRPC_PORT: '0' });
    client = inferenceClient(`127.0.0.1:${await service.app.grpc!.listen('127.0.0.1', 0)}`);
  });
  afterAll(async () => {
    client.close();
    await service.close();
    await provider.shutdown();
  });
  beforeEach(() => exporter.reset());

  const amount = { name: 'amount', datatype: 'FP32', shape: [1], contents: { fp32_contents: [120] } };

  it("ModelInfer with a traceparent: a SERVER span named after rpc.method in the caller's trace, parent of the pipeline's spans", async () => {
    const { error } = await client.call('ModelInfer', { model_name: 'fraud-detection', inputs: [amount] }, { traceparent });
    expect(error).toBeUndefined();
    const spans = exporter.getFinishedSpans();
    const server = spans.find((s) => s.name === INFER_SPAN)!;
    expect(server).toBeDefined();
    expect(server.kind).toBe(SpanKind.SERVER);
    expect(server.spanContext().traceId).toBe(CALLER_TRACE);
    expect(server.parentSpanContext?.spanId).toBe(CALLER_SPAN);
    expect(server.attributes).toMatchObject({ 'rpc.system.name': 'grpc', 'rpc.method': INFER_SPAN, 'rpc.status_code': 'OK' });
    const predict = spans.find((s) => s.name === 'predict')!;
    expect(predict.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
    for (const child of ['validate', 'fetch_features', 'model_inference']) {
      expect(spans.find((s) => s.name === child)?.spanContext().traceId, child).toBe(CALLER_TRACE);
    }
  });

  it('without a traceparent the server span is a root; the probes (ServerLive, ServerReady, ModelReady) make no span', async () => {
    await client.call('ServerLive', {}, { traceparent });
    await client.call('ServerReady', {}, { traceparent });
    await client.call('ModelReady', { name: 'fraud-detection', version: '' }, { traceparent });
    expect(exporter.getFinishedSpans()).toEqual([]);
    await client.call('ModelMetadata', { name: 'fraud-detection', version: '' });
    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe('inference.GRPCInferenceService/ModelMetadata');
    expect(span?.parentSpanContext).toBeUndefined();
  });

  it("a caller's mistake (INVALID_ARGUMENT, NOT_FOUND) leaves the span's status unset; its rpc.status_code says what was answered", async () => {
    const bad = await client.call(
      'ModelInfer',
      { model_name: 'fraud-detection', inputs: [{ ...amount, datatype: 'INT4' }] },
      { traceparent },
    );
    expect(bad.error?.code).toBe(Status.INVALID_ARGUMENT);
    const missing = await client.call('ModelInfer', { model_name: 'nope', inputs: [amount] });
    expect(missing.error?.code).toBe(Status.NOT_FOUND);
    const servers = exporter.getFinishedSpans().filter((s) => s.name === INFER_SPAN);
    expect(servers.map((s) => s.attributes['rpc.status_code'])).toEqual(['INVALID_ARGUMENT', 'NOT_FOUND']);
    expect(servers.map((s) => s.status.code)).toEqual([SpanStatusCode.UNSET, SpanStatusCode.UNSET]);
  });

  it("TRACES_TRUST_REMOTE_PARENT=false's propagator: a new trace, linked to the caller's span", async () => {
    propagation.disable();
    propagation.setGlobalPropagator(new UntrustedParentPropagator(new W3CTraceContextPropagator()));
    try {
      await client.call('ModelInfer', { model_name: 'fraud-detection', inputs: [amount] }, { traceparent });
      const server = exporter.getFinishedSpans().find((s) => s.name === INFER_SPAN)!;
      expect(server.spanContext().traceId).not.toBe(CALLER_TRACE);
      expect(server.parentSpanContext).toBeUndefined();
      expect(server.links.map((l) => l.context.spanId)).toEqual([CALLER_SPAN]);
    } finally {
      propagation.disable();
      propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    }
  });
});
