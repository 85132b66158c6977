import { performance } from 'node:perf_hooks';
import {
  isSpanContextValid,
  SamplingDecision,
  trace,
  TraceFlags,
  type Attributes,
  type Context,
  type Link,
  type SpanKind,
} from '@opentelemetry/api';
import type { Sampler, SamplingResult } from '@opentelemetry/sdk-trace';

export interface CappedSamplerOptions {
  /** Decides first (the configured OTEL_TRACES_SAMPLER); the cap can only turn its "sample" into "drop". */
  readonly delegate: Sampler;
  /** Traces sampled per second on average: sampled root and remote-parent spans. */
  readonly maxPerSecond: number;
  /** Largest burst: the bucket holds this many tokens. Default: one second's worth, `maxPerSecond`. */
  readonly burst?: number;
  /** Monotonic clock in milliseconds (default `performance.now`; tests pass a fake one). */
  readonly now?: () => number;
}

const DROP: SamplingResult = Object.freeze({ decision: SamplingDecision.NOT_RECORD });

/**
 * A hard cap on sampled traces, whatever the parent says: a token bucket refilled at
 * `maxPerSecond`, holding at most `burst` tokens (full at start). Over any interval of t seconds
 * it lets at most `burst + maxPerSecond * t` traces through.
 *
 * Only the spans that start a trace in this process spend a token: roots and children of a remote
 * parent (an incoming `traceparent`). A span whose parent is local follows its parent, so a trace
 * is kept or dropped whole, and the children of a refused root cannot be sampled behind the cap's
 * back (a non-parent-based delegate such as `always_on` would sample them).
 */
export class CappedSampler implements Sampler {
  /** Traces the delegate sampled and the cap refused (each one a root span never recorded). */
  rateLimited = 0;
  private readonly delegate: Sampler;
  private readonly maxPerSecond: number;
  private readonly ratePerMs: number;
  private readonly burst: number;
  private readonly now: () => number;
  private tokens: number;
  private last: number;

  constructor(options: CappedSamplerOptions) {
    const burst = options.burst ?? options.maxPerSecond;
    if (!(options.maxPerSecond > 0) || !(burst >= 1)) {
      throw new RangeError(`CappedSampler: maxPerSecond must be > 0 and burst >= 1 (got ${options.maxPerSecond}, ${burst})`);
    }
    this.delegate = options.delegate;
    this.maxPerSecond = options.maxPerSecond;
    this.ratePerMs = options.maxPerSecond / 1000;
    this.burst = burst;
    this.now = options.now ?? (() => performance.now());
    this.tokens = burst;
    this.last = this.now();
  }

  shouldSample(
    context: Context,
    traceId: string,
    spanName: string,
    spanKind: SpanKind,
    attributes: Attributes,
    links: Link[],
  ): SamplingResult {
    const parent = trace.getSpanContext(context);
    const localParent = parent !== undefined && isSpanContextValid(parent) && parent.isRemote !== true;
    if (localParent && (parent.traceFlags & TraceFlags.SAMPLED) === 0) return DROP;
    const result = this.delegate.shouldSample(context, traceId, spanName, spanKind, attributes, links);
    if (localParent || result.decision !== SamplingDecision.RECORD_AND_SAMPLED) return result;
    if (this.take()) return result;
    this.rateLimited++;
    return DROP;
  }

  toString(): string {
    return `CappedSampler{maxPerSecond=${this.maxPerSecond}, burst=${this.burst}, delegate=${this.delegate.toString()}}`;
  }

  private take(): boolean {
    const t = this.now();
    // max(0, …): a clock that steps back must not drain the bucket.
    this.tokens = Math.min(this.burst, this.tokens + Math.max(0, t - this.last) * this.ratePerMs);
    this.last = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
