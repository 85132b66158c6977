import { diag, TraceFlags, type Context } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { BatchSpanProcessor, type ReadableSpan, type Span, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace';
import type { SpanQueueOptions } from '../config/index.js';

export interface AccountedSpanProcessorOptions {
  readonly exporter: SpanExporter;
  readonly queue: SpanQueueOptions;
}

/**
 * A BatchSpanProcessor whose spans are counted through public interfaces only: the SpanProcessor
 * calls going in and the SpanExporter calls coming out. Every sampled span that ends before
 * shutdown is, at any moment, exactly one of: queued, in an export not yet answered, exported,
 * failed, or dropped.
 *
 * The batch processor keeps batching, scheduling, export timeouts and flushing; the bound on the
 * queue is applied here, before a span reaches it, so that a drop is something this class decides
 * and counts rather than infers. `queued` (spans handed to the batch processor and not yet to the
 * exporter) is never less than the batch processor's own queue, so with the same `maxQueueSize`
 * its bound never binds and it drops nothing behind our back.
 */
export class AccountedSpanProcessor implements SpanProcessor {
  private exportedCount = 0;
  private failedCount = 0;
  private droppedCount = 0;
  private queuedCount = 0;
  /** Drops since the last admitted span, reported then in one warning (as the batch processor does). */
  private droppedSinceWarning = 0;
  private shutDown = false;
  private readonly maxQueueSize: number;
  private readonly batch: BatchSpanProcessor;

  constructor(options: AccountedSpanProcessorOptions) {
    this.maxQueueSize = options.queue.maxQueueSize;
    this.batch = new BatchSpanProcessor({ ...options.queue, exporter: this.countingExporter(options.exporter) });
  }

  /** Spans the collector accepted. */
  get exported(): number {
    return this.exportedCount;
  }

  /** Spans in an export that failed or timed out. */
  get failed(): number {
    return this.failedCount;
  }

  /** Spans that ended while `maxQueueSize` spans were waiting. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Spans waiting for an export to take them. */
  get queued(): number {
    return this.queuedCount;
  }

  onStart(span: Span, parentContext: Context): void {
    this.batch.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    // The batch processor ignores these two kinds; they are no span's fate to count.
    if (this.shutDown || (span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    if (this.queuedCount >= this.maxQueueSize) {
      this.droppedCount++;
      this.droppedSinceWarning++;
      return;
    }
    if (this.droppedSinceWarning > 0) {
      // The batch processor's own wording, so that the log reads as it did when it dropped spans itself.
      diag.warn(`Dropped ${this.droppedSinceWarning} spans because maxQueueSize reached`);
      this.droppedSinceWarning = 0;
    }
    this.queuedCount++;
    this.batch.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.batch.forceFlush();
  }

  shutdown(): Promise<void> {
    this.shutDown = true;
    return this.batch.shutdown();
  }

  private countingExporter(exporter: SpanExporter): SpanExporter {
    return {
      export: (spans: ReadableSpan[], resultCallback: (result: ExportResult) => void) => {
        this.queuedCount -= spans.length;
        // Counted once per batch, whether the exporter answers twice or throws instead of answering.
        let counted = false;
        const count = (code: ExportResultCode) => {
          if (counted) return;
          counted = true;
          if (code === ExportResultCode.SUCCESS) this.exportedCount += spans.length;
          else this.failedCount += spans.length;
        };
        try {
          exporter.export(spans, (result) => {
            count(result.code);
            resultCallback(result);
          });
        } catch (err) {
          count(ExportResultCode.FAILED);
          throw err;
        }
      },
      shutdown: () => exporter.shutdown(),
      forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
    };
  }
}
