import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startOtlpReceiver, SPAN_KIND, STATUS_CODE, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.js';
import { poll } from '../helpers/poll.js';
import { spawnServer, type ServerProcess } from '../helpers/process.js';

const BODY = JSON.stringify({ features: { amount: 100, age: 35 }, model_name: 'fraud-detection', model_version: 'v1.0' });
const randomHex = (bytes: number) => Buffer.from(Array.from({ length: bytes }, () => Math.floor(Math.random() * 256))).toString('hex');

async function predict(server: ServerProcess, headers: Record<string, string> = {}, body = BODY) {
  const response = await fetch(`${server.url}/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

const ofTrace = (spans: readonly ReceivedSpan[], traceId: string) => spans.filter((s) => s.traceId === traceId);
const byName = (spans: readonly ReceivedSpan[], name: string) => spans.find((s) => s.name === name);

describe('traces over OTLP/gRPC to a real receiver', () => {
  // A receiver per test: what an earlier test's server sent cannot count for the next one.
  let receiver: OtlpReceiver;
  let server: ServerProcess | undefined;
  beforeEach(async () => {
    receiver = await startOtlpReceiver();
  });
  afterEach(async () => {
    server?.child.kill('SIGKILL');
    server = undefined;
    await receiver.close();
  });

  const start = (env: Record<string, string> = {}) =>
    spawnServer(
      { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_TRACES_SAMPLER_ARG: '1', OTEL_BSP_SCHEDULE_DELAY: '50', ...env },
      { traced: true },
    );

  it('warms the exporter (an empty export, no span) before /ready turns 200', async () => {
    const callsBefore = receiver.exportCalls;
    const spansBefore = receiver.spans.length;
    server = await start();
    await poll(async () => (await fetch(`${server!.url}/ready`)).status === 200, { deadlineMs: 10_000, what: '/ready 200', intervalMs: 0 });
    expect(receiver.exportCalls).toBeGreaterThan(callsBefore);
    expect(receiver.spans.length).toBe(spansBefore);
  });

  it("joins the caller's sampled trace: request span > predict > validate, fetch_features, model_inference, with attributes and logs", async () => {
    server = await start();
    const traceId = randomHex(16);
    const callerSpan = randomHex(8);
    const res = await predict(server, { traceparent: `00-${traceId}-${callerSpan}-01`, 'x-request-id': 'trace-test-1' });
    expect(res.status).toBe(200);
    await receiver.waitFor((spans) => ofTrace(spans, traceId).length >= 5, 'five spans of the request');
    const spans = ofTrace(receiver.spans, traceId);

    const request = byName(spans, 'POST /predict')!;
    expect(request.kind).toBe(SPAN_KIND.SERVER);
    expect(request.parentSpanId).toBe(callerSpan);
    expect(request.attributes['http.route']).toBe('/predict');
    expect(request.resource['service.name']).toBe('ml-service');

    const predictSpan = byName(spans, 'predict')!;
    expect(predictSpan.parentSpanId).toBe(request.spanId);
    expect(predictSpan.attributes).toMatchObject({ 'model.name': 'fraud-detection', 'model.version': 'v1.0', 'batch.size': 1 });
    for (const child of ['validate', 'fetch_features', 'model_inference']) {
      expect(byName(spans, child)?.parentSpanId, child).toBe(predictSpan.spanId);
    }
    expect(byName(spans, 'fetch_features')!.attributes['features.imputed']).toContain('hour');
    expect(byName(spans, 'model_inference')!.attributes['prediction.score']).toBeCloseTo(res.json.prediction as number, 6);
    expect(spans.every((s) => s.status.code === STATUS_CODE.UNSET)).toBe(true);

    const logged = await server.waitForLog(
      (l) => l.msg === 'prediction_completed' && l['request_id'] === 'trace-test-1',
      'prediction_completed',
    );
    expect(logged['trace_id']).toBe(traceId);
    expect(spans.map((s) => s.spanId)).toContain(logged['span_id']);
    expect(logged['trace_sampled']).toBe(true);
  });

  it('an unsampled caller wins over the 100 % ratio: no spans, but its trace id is in the logs', async () => {
    server = await start();
    const unsampled = randomHex(16);
    expect((await predict(server, { traceparent: `00-${unsampled}-${randomHex(8)}-00`, 'x-request-id': 'unsampled-1' })).status).toBe(200);
    // A sampled request afterwards: once its spans arrive, anything exported before it has too.
    const sampled = randomHex(16);
    await predict(server, { traceparent: `00-${sampled}-${randomHex(8)}-01` });
    await receiver.waitFor((spans) => ofTrace(spans, sampled).length >= 5, 'spans of the later sampled request');
    expect(ofTrace(receiver.spans, unsampled)).toHaveLength(0);
    const logged = await server.waitForLog((l) => l['request_id'] === 'unsampled-1', 'log of the unsampled request');
    expect(logged['trace_id']).toBe(unsampled);
    expect(logged['trace_sampled']).toBe(false);
  });

  it('a client error is an event on the validate span with error.type; no span is marked failed', async () => {
    server = await start();
    const traceId = randomHex(16);
    const res = await predict(
      server,
      { traceparent: `00-${traceId}-${randomHex(8)}-01` },
      JSON.stringify({ features: { amount: 'lots' } }),
    );
    expect(res.status).toBe(400);
    await receiver.waitFor(
      (spans) =>
        byName(ofTrace(spans, traceId), 'validate') !== undefined && byName(ofTrace(spans, traceId), 'POST /predict') !== undefined,
      'validate span',
    );
    const spans = ofTrace(receiver.spans, traceId);
    const validate = byName(spans, 'validate')!;
    expect(validate.attributes['error.type']).toBe('INVALID_FEATURE_VALUE');
    expect(validate.events.map((e) => e.name)).toContain('exception');
    expect(validate.events[0]!.attributes['exception.message']).toContain('amount must be a number');
    expect(spans.every((s) => s.status.code !== STATUS_CODE.ERROR)).toBe(true);
    expect(byName(spans, 'model_inference')).toBeUndefined();
  });

  it('scrapes and probes make no spans', async () => {
    server = await start();
    const spansBefore = receiver.spans.length;
    for (const path of ['/metrics', '/health', '/ready']) expect((await fetch(`${server.url}${path}`)).status).toBe(200);
    const traceId = randomHex(16);
    await predict(server, { traceparent: `00-${traceId}-${randomHex(8)}-01` });
    await receiver.waitFor((spans) => ofTrace(spans, traceId).length >= 5, 'spans of the request after the probes');
    const newSpans = receiver.spans.slice(spansBefore);
    expect(newSpans.every((s) => s.traceId === traceId)).toBe(true);
  });

  it('SIGTERM exports pending spans before exiting', async () => {
    // A schedule delay longer than the test: only the shutdown flush can export these spans.
    server = await start({ OTEL_BSP_SCHEDULE_DELAY: '600000' });
    const traceId = randomHex(16);
    expect((await predict(server, { traceparent: `00-${traceId}-${randomHex(8)}-01` })).status).toBe(200);
    expect(ofTrace(receiver.spans, traceId)).toHaveLength(0);
    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(ofTrace(receiver.spans, traceId).length).toBeGreaterThanOrEqual(5);
  });
});
