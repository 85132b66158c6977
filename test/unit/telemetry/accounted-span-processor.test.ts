import { diag, DiagLogLevel } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  createAlwaysRecordSampler,
  TracerProvider,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, it } from 'vitest';
import { AccountedSpanProcessor } from '../../../src/telemetry/accounted-span-processor.js';

interface ExportCall {
  readonly size: number;
  answer(outcome: 'success' | 'failure'): void;
}

/**
 * A collector stand-in. `respond: 'manual'` leaves every export unanswered until the test answers
 * it, which is how a slow collector looks to the batch processor; the test waits for the exports
 * it expects with `nextCall()`.
 */
class FakeExporter implements SpanExporter {
  private readonly unclaimed: ExportCall[] = [];
  private readonly waiters: ((call: ExportCall) => void)[] = [];
  constructor(private readonly respond: 'success' | 'failure' | 'manual') {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    const call: ExportCall = {
      size: spans.length,
      answer: (outcome) =>
        resultCallback(
          outcome === 'success'
            ? { code: ExportResultCode.SUCCESS }
            : { code: ExportResultCode.FAILED, error: new Error('collector unavailable') },
        ),
    };
    if (this.respond !== 'manual') return call.answer(this.respond);
    const waiter = this.waiters.shift();
    if (waiter) waiter(call);
    else this.unclaimed.push(call);
  }

  nextCall(): Promise<ExportCall> {
    const call = this.unclaimed.shift();
    return call ? Promise.resolve(call) : new Promise((resolve) => this.waiters.push(resolve));
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

// scheduledDelayMillis out of reach: batches leave when full or on forceFlush, never on a timer.
const QUEUE = { maxQueueSize: 8, maxExportBatchSize: 4, scheduledDelayMillis: 600_000, exportTimeoutMillis: 600_000 };

function setUp(exporter: SpanExporter) {
  const processor = new AccountedSpanProcessor({ exporter, queue: QUEUE });
  const provider = new TracerProvider({ sampler: new AlwaysOnSampler(), spanProcessors: [processor] });
  const tracer = provider.getTracer('test');
  let ended = 0;
  const endSpans = (n: number) => {
    for (let i = 0; i < n; i++) tracer.startSpan(`span ${ended++}`).end();
  };
  const counts = () => ({ exported: processor.exported, failed: processor.failed, dropped: processor.dropped, queued: processor.queued });
  return { processor, provider, endSpans, counts, ended: () => ended };
}

describe('AccountedSpanProcessor (a real BatchSpanProcessor, counted at its public interfaces)', () => {
  const warnings: string[] = [];
  afterEach(() => {
    diag.disable();
    warnings.length = 0;
  });
  const captureWarnings = () =>
    diag.setLogger(
      { error: (m) => warnings.push(m), warn: (m) => warnings.push(m), info: () => {}, debug: () => {}, verbose: () => {} },
      { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
    );

  it('a collector that accepts: every sampled span is counted exported once; unsampled spans are not counted', async () => {
    const { processor, provider, endSpans, counts } = setUp(new FakeExporter('success'));
    endSpans(10);
    // Recorded but not sampled: the batch processor never exports these, so they are no span's fate.
    const recordOnly = new TracerProvider({ sampler: createAlwaysRecordSampler(new AlwaysOffSampler()), spanProcessors: [processor] });
    recordOnly.getTracer('test').startSpan('recorded, not sampled').end();
    await processor.forceFlush();
    expect(counts()).toEqual({ exported: 10, failed: 0, dropped: 0, queued: 0 });
    await provider.shutdown();
  });

  it('a collector that refuses: every span of a failed export is counted failed, and forceFlush reports the failure', async () => {
    const { processor, provider, endSpans, counts } = setUp(new FakeExporter('failure'));
    endSpans(6);
    await expect(processor.forceFlush()).rejects.toThrow('collector unavailable');
    expect(counts()).toEqual({ exported: 0, failed: 6, dropped: 0, queued: 0 });
    await provider.shutdown();
  });

  it('a slow collector: maxQueueSize spans wait, the overflow is dropped and counted with one warning; every span is in exactly one state', async () => {
    captureWarnings();
    const exporter = new FakeExporter('manual');
    const { processor, provider, endSpans, counts, ended } = setUp(exporter);
    let inFlight = 0;
    const accounted = () => {
      const c = counts();
      return c.exported + c.failed + c.dropped + c.queued + inFlight;
    };

    endSpans(20);
    // A full batch leaves at once and hangs on the collector; 8 more wait; the other 8 are dropped.
    const first = await exporter.nextCall();
    inFlight += first.size;
    expect(first.size).toBe(4);
    expect(counts()).toEqual({ exported: 0, failed: 0, dropped: 8, queued: 8 });
    expect(accounted()).toBe(ended());

    first.answer('success');
    inFlight -= first.size;
    // The answered export frees the processor, which sends the next full batch.
    const second = await exporter.nextCall();
    inFlight += second.size;
    expect(counts()).toEqual({ exported: 4, failed: 0, dropped: 8, queued: 4 });
    expect(accounted()).toBe(ended());

    // Room again: the next span is queued, and the drops are reported once, with their number.
    endSpans(1);
    expect(warnings).toEqual(['Dropped 8 spans because maxQueueSize reached']);
    expect(counts()).toMatchObject({ dropped: 8, queued: 5 });

    second.answer('failure');
    inFlight -= second.size;
    const third = await exporter.nextCall();
    inFlight += third.size;
    expect(counts()).toEqual({ exported: 4, failed: 4, dropped: 8, queued: 1 });
    expect(accounted()).toBe(ended());

    third.answer('success');
    inFlight -= third.size;
    // forceFlush sends the last partial batch; it resolves once the collector answers it.
    const flushed = processor.forceFlush();
    const last = await exporter.nextCall();
    expect(last.size).toBe(1);
    last.answer('success');
    await flushed;
    expect(counts()).toEqual({ exported: 9, failed: 4, dropped: 8, queued: 0 });
    expect(accounted()).toBe(ended());
    expect(warnings.filter((w) => w.startsWith('Dropped'))).toHaveLength(1);
    await provider.shutdown();
  });

  it('an exporter that throws, or answers twice: each batch is counted once', async () => {
    const throwing: SpanExporter = {
      export: () => {
        throw new Error('serializer bug');
      },
      shutdown: () => Promise.resolve(),
    };
    const a = setUp(throwing);
    a.endSpans(3);
    await expect(a.processor.forceFlush()).rejects.toThrow('serializer bug');
    expect(a.counts()).toEqual({ exported: 0, failed: 3, dropped: 0, queued: 0 });
    await a.provider.shutdown().catch(() => {});

    const twice: SpanExporter = {
      export: (_spans, resultCallback) => {
        resultCallback({ code: ExportResultCode.SUCCESS });
        resultCallback({ code: ExportResultCode.FAILED, error: new Error('late failure') });
      },
      shutdown: () => Promise.resolve(),
    };
    const b = setUp(twice);
    b.endSpans(3);
    await b.processor.forceFlush();
    expect(b.counts()).toEqual({ exported: 3, failed: 0, dropped: 0, queued: 0 });
    await b.provider.shutdown();
  });

  it('shutdown exports what is queued; spans that end afterwards are not counted', async () => {
    const { provider, endSpans, counts } = setUp(new FakeExporter('success'));
    endSpans(3);
    await provider.shutdown();
    expect(counts()).toEqual({ exported: 3, failed: 0, dropped: 0, queued: 0 });
    endSpans(2);
    expect(counts()).toEqual({ exported: 3, failed: 0, dropped: 0, queued: 0 });
  });
});
