import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AlwaysOffSampler, AlwaysOnSampler, InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../src/errors.js';
import { inSpan, sampledTraceId } from '../../../src/telemetry/spans.js';

const exporter = new InMemorySpanExporter();
const contextManager = new AsyncLocalStorageContextManager();

describe('inSpan', () => {
  beforeAll(() => {
    context.setGlobalContextManager(contextManager.enable());
    trace.setGlobalTracerProvider(
      new TracerProvider({ sampler: new AlwaysOnSampler(), spanProcessors: [new SimpleSpanProcessor({ exporter })] }),
    );
  });
  afterAll(() => {
    trace.disable();
    context.disable();
  });
  beforeEach(() => exporter.reset());

  const withRoot = <T>(sampled: boolean, work: () => T): T => {
    const provider = new TracerProvider({
      sampler: sampled ? new AlwaysOnSampler() : new AlwaysOffSampler(),
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
    });
    const root = provider.getTracer('test').startSpan('root');
    try {
      return context.with(trace.setSpan(context.active(), root), work);
    } finally {
      root.end();
    }
  };

  it('nests child spans under the active sampled span, sync and async', async () => {
    await withRoot(true, () =>
      inSpan('predict', { 'batch.size': 1 }, async () => {
        inSpan('validate', {}, () => 1);
        await inSpan('model_inference', {}, async () => 2);
      }),
    );
    const spans = exporter.getFinishedSpans();
    const byName = Object.fromEntries(spans.map((s) => [s.name, s]));
    expect(Object.keys(byName).sort()).toEqual(['model_inference', 'predict', 'root', 'validate']);
    expect(byName['validate']!.parentSpanContext?.spanId).toBe(byName['predict']!.spanContext().spanId);
    expect(byName['model_inference']!.parentSpanContext?.spanId).toBe(byName['predict']!.spanContext().spanId);
    expect(byName['predict']!.attributes['batch.size']).toBe(1);
  });

  it('creates nothing, and still runs the work, when the request is not sampled', () => {
    const result = withRoot(false, () => inSpan('predict', {}, (span) => (span === undefined ? 'ran without a span' : 'span!')));
    expect(result).toBe('ran without a span');
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    expect(withRoot(false, () => sampledTraceId())).toBeUndefined();
  });

  it('a client error: exception event and error.type, status left unset; a server error: status ERROR', async () => {
    expect(() =>
      withRoot(true, () =>
        inSpan('validate', {}, () => {
          throw new AppError('UNKNOWN_FEATURE', 'unknown feature "x"', 'features.x');
        }),
      ),
    ).toThrow(AppError);
    await expect(
      withRoot(true, () =>
        inSpan('model_inference', {}, async () => {
          throw new Error('onnxruntime failed');
        }),
      ),
    ).rejects.toThrow('onnxruntime failed');
    const [validate, inference] = exporter.getFinishedSpans().filter((s) => s.name !== 'root');
    expect(validate!.status.code).toBe(SpanStatusCode.UNSET);
    expect(validate!.attributes['error.type']).toBe('UNKNOWN_FEATURE');
    expect(validate!.events.map((e) => e.name)).toEqual(['exception']);
    expect(inference!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'onnxruntime failed' });
  });

  it('sampledTraceId gives the trace id of a sampled request only', () => {
    const id = withRoot(true, () => sampledTraceId());
    expect(id).toMatch(/^[0-9a-f]{32}$/);
  });
});
