import { ROOT_CONTEXT, SamplingDecision, SpanKind, trace, TraceFlags, type Context } from '@opentelemetry/api';
import { AlwaysOffSampler, AlwaysOnSampler, ParentBasedSampler, TraceIdRatioBasedSampler, type Sampler } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { CappedSampler } from '../../../src/telemetry/capped-sampler.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const withParent = (isRemote: boolean, sampled: boolean): Context =>
  trace.setSpanContext(ROOT_CONTEXT, {
    traceId: TRACE_ID,
    spanId: 'b7ad6b7169203331',
    traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote,
  });
const ROOT = ROOT_CONTEXT;
const REMOTE_SAMPLED = withParent(true, true);
const LOCAL_SAMPLED = withParent(false, true);
const LOCAL_UNSAMPLED = withParent(false, false);

function fakeClock(startMs = 1_000) {
  let t = startMs;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

const decide = (sampler: Sampler, context: Context) =>
  sampler.shouldSample(context, TRACE_ID, 'POST /predict', SpanKind.SERVER, {}, []).decision;
const sampledCount = (sampler: Sampler, context: Context, n: number) =>
  Array.from({ length: n }, () => decide(sampler, context)).filter((d) => d === SamplingDecision.RECORD_AND_SAMPLED).length;

describe('CappedSampler', () => {
  it('a full bucket lets one second of traces through at once, then refuses and counts the rest', () => {
    const clock = fakeClock();
    const sampler = new CappedSampler({ delegate: new AlwaysOnSampler(), maxPerSecond: 5, now: clock.now });
    expect(sampledCount(sampler, ROOT, 20)).toBe(5);
    expect(sampler.rateLimited).toBe(15);
  });

  it('refills at maxPerSecond: one token per 1/rate seconds, never more than the burst', () => {
    const clock = fakeClock();
    const sampler = new CappedSampler({ delegate: new AlwaysOnSampler(), maxPerSecond: 10, now: clock.now });
    expect(sampledCount(sampler, ROOT, 10)).toBe(10);
    clock.advance(99);
    expect(decide(sampler, ROOT)).toBe(SamplingDecision.NOT_RECORD);
    clock.advance(1);
    expect(decide(sampler, ROOT)).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    clock.advance(60_000); // an idle minute refills one second's worth, not sixty
    expect(sampledCount(sampler, ROOT, 100)).toBe(10);
  });

  it('a steady flood is held to burst + rate x elapsed over any run', () => {
    const clock = fakeClock();
    const sampler = new CappedSampler({ delegate: new AlwaysOnSampler(), maxPerSecond: 100, now: clock.now });
    let sampled = 0;
    // 10,000 decisions/s for 3 s.
    for (let i = 0; i < 30_000; i++) {
      if (decide(sampler, REMOTE_SAMPLED) === SamplingDecision.RECORD_AND_SAMPLED) sampled++;
      clock.advance(0.1);
    }
    expect(sampled).toBeLessThanOrEqual(100 + 100 * 3);
    expect(sampled).toBeGreaterThanOrEqual(100 * 3);
    expect(sampler.rateLimited).toBe(30_000 - sampled);
  });

  it("a caller's sampled flag spends a token like a root: parent-based sampling cannot bypass the cap", () => {
    const clock = fakeClock();
    const sampler = new CappedSampler({
      delegate: new ParentBasedSampler({ root: new AlwaysOffSampler() }),
      maxPerSecond: 3,
      now: clock.now,
    });
    expect(sampledCount(sampler, REMOTE_SAMPLED, 10)).toBe(3);
    expect(sampler.rateLimited).toBe(7);
    expect(decide(sampler, ROOT)).toBe(SamplingDecision.NOT_RECORD);
    expect(sampler.rateLimited).toBe(7); // the delegate said no: not the cap's doing
  });

  it('children of a sampled local parent follow it, without spending tokens, even with the bucket empty', () => {
    const clock = fakeClock();
    const sampler = new CappedSampler({
      delegate: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
      maxPerSecond: 1,
      now: clock.now,
    });
    expect(decide(sampler, ROOT)).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(sampledCount(sampler, LOCAL_SAMPLED, 50)).toBe(50);
    expect(decide(sampler, ROOT)).toBe(SamplingDecision.NOT_RECORD);
    expect(sampler.rateLimited).toBe(1);
  });

  it('children of a refused root stay unsampled even under always_on: no orphan spans behind the cap', () => {
    const clock = fakeClock();
    const sampler = new CappedSampler({ delegate: new AlwaysOnSampler(), maxPerSecond: 1, now: clock.now });
    expect(decide(sampler, ROOT)).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(decide(sampler, ROOT)).toBe(SamplingDecision.NOT_RECORD);
    expect(decide(sampler, LOCAL_UNSAMPLED)).toBe(SamplingDecision.NOT_RECORD);
    expect(sampler.rateLimited).toBe(1);
  });

  it("the delegate's ratio decides first; the cap only spends tokens on what it sampled", () => {
    const clock = fakeClock();
    const sampler = new CappedSampler({ delegate: new TraceIdRatioBasedSampler(0), maxPerSecond: 1, now: clock.now });
    for (let i = 0; i < 10; i++) expect(decide(sampler, ROOT)).toBe(SamplingDecision.NOT_RECORD);
    expect(sampler.rateLimited).toBe(0);
  });

  it('a clock that steps back neither refills nor drains the bucket', () => {
    const clock = fakeClock(5_000);
    const sampler = new CappedSampler({ delegate: new AlwaysOnSampler(), maxPerSecond: 2, now: clock.now });
    expect(sampledCount(sampler, ROOT, 2)).toBe(2);
    clock.advance(-4_000);
    expect(decide(sampler, ROOT)).toBe(SamplingDecision.NOT_RECORD);
    clock.advance(500);
    expect(decide(sampler, ROOT)).toBe(SamplingDecision.RECORD_AND_SAMPLED);
  });

  it('refuses a rate or burst that could never sample', () => {
    expect(() => new CappedSampler({ delegate: new AlwaysOnSampler(), maxPerSecond: 0 })).toThrow(RangeError);
    expect(() => new CappedSampler({ delegate: new AlwaysOnSampler(), maxPerSecond: 10, burst: 0.5 })).toThrow(RangeError);
  });
});
