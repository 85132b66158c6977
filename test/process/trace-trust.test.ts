import { afterEach, describe, expect, it } from 'vitest';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan as Span } from '../helpers/otlp-receiver.js';
import { poll } from '../helpers/poll.js';
import { spawnServer, type ServerProcess } from '../helpers/process.js';

type Receiver = OtlpReceiver;

const BODY = JSON.stringify({ features: { amount: 100, age: 35 } });
const randomHex = (bytes: number) => Buffer.from(Array.from({ length: bytes }, () => Math.floor(Math.random() * 256))).toString('hex');
const ROOT_NAME = 'POST /predict';

async function predict(server: ServerProcess, headers: Record<string, string>) {
  const response = await fetch(`${server.url}/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: BODY,
  });
  await response.arrayBuffer();
  return response.status;
}

const scrape = async (server: ServerProcess, accept = 'text/plain') =>
  (await fetch(`${server.url}/metrics`, { headers: { accept } })).text();
const OPENMETRICS = 'application/openmetrics-text; version=1.0.0';

function metricValue(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  if (!line) throw new Error(`no series ${series}`);
  return Number(line.slice(series.length + 1).split(' ')[0]);
}

describe('tracing as a trust boundary', () => {
  let receiver: Receiver | undefined;
  let server: ServerProcess | undefined;
  afterEach(() => {
    server?.child.kill('SIGKILL');
    server = undefined;
    void receiver?.close();
    receiver = undefined;
  });

  const start = async (env: Record<string, string>) => {
    receiver = await startOtlpReceiver();
    server = await spawnServer({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: '50', ...env }, { traced: true });
    return { receiver, server };
  };

  it("TRACES_TRUST_REMOTE_PARENT=false, ratio 0: sampled traceparents force nothing; the callers' trace ids are in no span, log or exemplar", async () => {
    const { receiver, server } = await start({ TRACES_TRUST_REMOTE_PARENT: 'false', OTEL_TRACES_SAMPLER_ARG: '0', DRAIN_DELAY_MS: '0' });
    const callers = Array.from({ length: 20 }, () => randomHex(16));
    for (const [i, traceId] of callers.entries()) {
      expect(await predict(server, { traceparent: `00-${traceId}-${randomHex(8)}-01`, 'x-request-id': `untrusted-${i}` })).toBe(200);
    }
    for (let i = 0; i < callers.length; i++) {
      const logged = await server.waitForLog(
        (l) => l.msg === 'prediction_completed' && l['request_id'] === `untrusted-${i}`,
        `log of request ${i}`,
      );
      expect(callers).not.toContain(logged['trace_id']);
      expect(logged['trace_sampled']).toBe(false);
    }
    const metrics = await scrape(server, OPENMETRICS);
    expect(metrics).not.toMatch(/trace_id="/);
    // SIGTERM flushes whatever is pending: after the exit, the receiver has every span there was.
    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(receiver.spans).toEqual([]);
  });

  it("TRACES_TRUST_REMOTE_PARENT=false, ratio 1: a new trace, whole, whose request span links to the caller's span (sampled flag or not)", async () => {
    const { receiver, server } = await start({ TRACES_TRUST_REMOTE_PARENT: 'false', OTEL_TRACES_SAMPLER_ARG: '1' });
    for (const flags of ['01', '00']) {
      const callerTrace = randomHex(16);
      const callerSpan = randomHex(8);
      const requestId = `linked-${flags}`;
      expect(await predict(server, { traceparent: `00-${callerTrace}-${callerSpan}-${flags}`, 'x-request-id': requestId })).toBe(200);
      const isLinked = (s: Span) => s.name === ROOT_NAME && s.links.some((l) => l.traceId === callerTrace);
      await receiver.waitFor((spans) => spans.some(isLinked), `a request span linked to caller ${flags}`);
      const root = receiver.spans.find(isLinked)!;
      await receiver.waitFor((spans) => spans.filter((s) => s.traceId === root.traceId).length >= 5, 'the five spans of the new trace');

      expect(root.traceId).not.toBe(callerTrace);
      expect(root.parentSpanId).toBe('');
      expect(root.links).toEqual([{ traceId: callerTrace, spanId: callerSpan }]);
      const trace = receiver.spans.filter((s) => s.traceId === root.traceId);
      expect(trace.map((s) => s.name).sort()).toEqual([ROOT_NAME, 'fetch_features', 'model_inference', 'predict', 'validate']);
      expect(trace.filter((s) => s !== root).every((s) => s.links.length === 0 && s.parentSpanId !== '')).toBe(true);
      expect(receiver.spans.filter((s) => s.traceId === callerTrace)).toEqual([]);

      const logged = await server.waitForLog((l) => l.msg === 'prediction_completed' && l['request_id'] === requestId, requestId);
      expect(logged['trace_id']).toBe(root.traceId);
      expect(logged['trace_sampled']).toBe(true);
      // The log line is written in the same onResponse hook that records the exemplar.
      const metrics = await scrape(server, OPENMETRICS);
      expect(metrics).toContain(`trace_id="${root.traceId}"`);
      expect(metrics).not.toContain(callerTrace);
    }
  });

  it('TRACES_TRUST_REMOTE_PARENT=false with the http instrumentation too: its server span is the new root and carries the link', async () => {
    const { receiver, server } = await start({
      TRACES_TRUST_REMOTE_PARENT: 'false',
      OTEL_TRACES_SAMPLER_ARG: '1',
      OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,fastify',
    });
    const callerTrace = randomHex(16);
    const callerSpan = randomHex(8);
    expect(await predict(server, { traceparent: `00-${callerTrace}-${callerSpan}-01` })).toBe(200);
    const isLinked = (s: Span) => s.links.some((l) => l.traceId === callerTrace);
    await receiver.waitFor((spans) => spans.some(isLinked), 'a span linked to the caller');
    const root = receiver.spans.find(isLinked)!;
    await receiver.waitFor((spans) => spans.some((s) => s.traceId === root.traceId && s.name === ROOT_NAME), 'the request span');
    expect(root.parentSpanId).toBe('');
    expect(root.traceId).not.toBe(callerTrace);
    expect(receiver.spans.find((s) => s.traceId === root.traceId && s.name === ROOT_NAME)!.parentSpanId).toBe(root.spanId);
    expect(receiver.spans.filter(isLinked)).toEqual([root]);
    expect(receiver.spans.filter((s) => s.traceId === callerTrace)).toEqual([]);
  });

  it('TRACES_MAX_SAMPLED_PER_SECOND=5: a flood of forced-sampled requests exports at most 5/s of whole traces and counts the rest as rate_limited', async () => {
    const cap = 5;
    const { receiver, server } = await start({ TRACES_MAX_SAMPLED_PER_SECOND: String(cap), OTEL_TRACES_SAMPLER_ARG: '0' });
    const callers = new Set<string>();
    const started = performance.now();
    for (let batch = 0; batch < 6; batch++) {
      const statuses = await Promise.all(
        Array.from({ length: 10 }, () => {
          const traceId = randomHex(16);
          callers.add(traceId);
          return predict(server, { traceparent: `00-${traceId}-${randomHex(8)}-01` });
        }),
      );
      expect(statuses.every((s) => s === 200)).toBe(true);
    }
    const elapsedSeconds = (performance.now() - started) / 1000;

    // Decisions are counted when the request span starts: the count is final once the responses are in.
    const rateLimited = metricValue(await scrape(server), 'ml_otel_spans_total{outcome="rate_limited"}');
    const admitted = callers.size - rateLimited;
    const rootsOfCallers = (spans: readonly Span[]) => spans.filter((s) => s.name === ROOT_NAME && callers.has(s.traceId));
    await receiver.waitFor(
      (spans) => rootsOfCallers(spans).length >= admitted && spans.filter((s) => callers.has(s.traceId)).length >= 5 * admitted,
      `${admitted} whole traces`,
    );
    const roots = rootsOfCallers(receiver.spans);
    expect(roots).toHaveLength(admitted);
    expect(admitted).toBeGreaterThanOrEqual(1);
    expect(admitted).toBeLessThanOrEqual(cap * elapsedSeconds + cap);
    // Children follow their root: every admitted trace is whole, and no refused trace left a span.
    for (const root of roots) expect(receiver.spans.filter((s) => s.traceId === root.traceId)).toHaveLength(5);
    expect(receiver.spans.filter((s) => callers.has(s.traceId))).toHaveLength(5 * admitted);

    let exported = 0;
    await poll(
      async () => {
        exported = metricValue(await scrape(server), 'ml_otel_spans_total{outcome="exported"}');
        return exported >= 5 * admitted;
      },
      { deadlineMs: 10_000, what: `${5 * admitted} spans counted as exported`, intervalMs: 0, detail: () => `${exported} counted` },
    );
    expect(exported).toBe(5 * admitted);
  });
});
