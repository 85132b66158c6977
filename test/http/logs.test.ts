import { afterEach, describe, expect, it } from 'vitest';
import type { LoadedModel, ModelRegistry } from '../../src/model/index.js';
import { postJson, sharedRegistry, startApp, type RunningApp } from '../helpers/app.js';
import { captureLogs } from '../helpers/logs.js';

/** The real registry, with one model whose inference fails: a fault injected below the route. */
function failingRegistry(real: ModelRegistry): ModelRegistry {
  const wrap = (model: LoadedModel): LoadedModel => ({
    ...model,
    scorer: {
      score: async () => Promise.reject(new Error('onnxruntime: inference exploded')),
      engine: model.scorer.engine,
      release: async () => {},
    },
  });
  const models = new Map(real.list().map((m) => [`${m.name}@${m.version}`, wrap(m)]));
  return { ...real, get: (n, v) => models.get(`${n}@${v}`), list: () => [...models.values()] };
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('structured logs', () => {
  let service: RunningApp | undefined;
  afterEach(async () => {
    await service?.close();
    service = undefined;
  });

  it('one JSON object per line with ISO time, level word, service and version; prediction_completed carries the seed fields and the request id', async () => {
    const logs = captureLogs();
    service = await startApp({ LOG_LEVEL: 'debug' }, { logStream: logs.stream });
    const res = await postJson(`${service.url}/predict`, { features: { amount: 100, age: 35 } }, { 'x-request-id': 'req-42' });
    const lines = logs.lines();
    expect(logs.raw.join('').endsWith('\n')).toBe(true);
    for (const line of lines) {
      expect(line['time']).toMatch(ISO_8601);
      expect(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).toContain(line['level']);
      expect(line['service']).toBe('ml-service');
      expect(line['version']).toMatch(/^\d+\.\d+\.\d+/);
    }
    const ofRequest = lines.filter((l) => l['request_id'] === 'req-42');
    expect(ofRequest.map((l) => l['msg'])).toEqual(['prediction_started', 'prediction_completed']);
    const completed = ofRequest[1]!;
    expect(completed).toMatchObject({
      level: 'info',
      model_name: 'fraud-detection',
      model_version: 'v1.0',
      prediction_score: res.json!.prediction,
      confidence: res.json!.confidence,
    });
    expect(completed['latency_ms']).toBeGreaterThan(0);
    // Raw feature values are not logged by default: they may be personal data.
    expect(JSON.stringify(lines)).not.toContain('"amount"');
  });

  it('at info, a prediction writes exactly one line', async () => {
    const logs = captureLogs();
    service = await startApp({ LOG_LEVEL: 'info' }, { logStream: logs.stream });
    await postJson(`${service.url}/predict`, { features: {} }, { 'x-request-id': 'one-line' });
    expect(
      logs
        .lines()
        .filter((l) => l['request_id'] === 'one-line')
        .map((l) => l['msg']),
    ).toEqual(['prediction_completed']);
  });

  it('a failed inference -> 500 with a generic body; prediction_failed is logged with the stack; status="error" is counted', async () => {
    const logs = captureLogs();
    service = await startApp({ LOG_LEVEL: 'info' }, { logStream: logs.stream, registry: failingRegistry(await sharedRegistry()) });
    const res = await postJson(`${service.url}/predict`, { features: {} }, { 'x-request-id': 'boom-1' });
    expect(res.status).toBe(500);
    expect(res.json).toEqual({ error: 'INTERNAL_ERROR', message: 'internal error; see the service log for this request id' });
    expect(res.text).not.toContain('exploded');
    const failed = logs.lines().find((l) => l['msg'] === 'prediction_failed')!;
    expect(failed).toMatchObject({ level: 'error', request_id: 'boom-1' });
    const err = failed['err'] as { message: string; stack: string };
    expect(err.message).toBe('onnxruntime: inference exploded');
    expect(err.stack).toContain('at ');
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(metrics).toContain('ml_predictions_total{model_name="fraud-detection",model_version="v1.0",status="error"} 1');
  });

  it('LOG_PAYLOAD_SAMPLE_RATIO=1 logs feature values, with LOG_REDACT_FEATURES redacted, single and batch', async () => {
    const logs = captureLogs();
    service = await startApp(
      { LOG_LEVEL: 'info', LOG_PAYLOAD_SAMPLE_RATIO: '1', LOG_REDACT_FEATURES: 'age, account_age_days' },
      { logStream: logs.stream },
    );
    await postJson(`${service.url}/predict`, { features: { amount: 100, age: 35 } });
    await postJson(`${service.url}/predict/batch`, { instances: [{ amount: 5, age: 70 }, { account_age_days: 3 }] });
    const completed = logs.lines().filter((l) => l['msg'] === 'prediction_completed');
    expect(completed[0]!['features']).toEqual({ amount: 100, age: '[REDACTED]' });
    expect(completed[1]!['instances']).toEqual([{ amount: 5, age: '[REDACTED]' }, { account_age_days: '[REDACTED]' }]);
  });

  it('LOG_SUCCESS_SAMPLE_RATIO keeps a share of successes, marked with the ratio; refusals and failures are always logged', async () => {
    const logs = captureLogs();
    service = await startApp(
      { LOG_LEVEL: 'info', LOG_SUCCESS_SAMPLE_RATIO: '0.25', LOG_SLOW_REQUEST_MS: '60000' },
      { logStream: logs.stream },
    );
    const n = 400;
    for (let i = 0; i < n; i++) await postJson(`${service.url}/predict`, { features: {} }, { 'x-request-id': `s-${i}` });
    const bad = await postJson(`${service.url}/predict`, { features: { amount: 'lots' } }, { 'x-request-id': 'bad-1' });
    expect(bad.status).toBe(400);
    const completed = logs.lines().filter((l) => l['msg'] === 'prediction_completed');
    // Binomial(400, 0.25): mean 100, sd 8.7; outside 50..150 has probability below 1e-8.
    expect(completed.length).toBeGreaterThan(50);
    expect(completed.length).toBeLessThan(150);
    for (const line of completed) expect(line['log_sample_ratio']).toBe(0.25);
    const rejected = logs.lines().filter((l) => l['msg'] === 'request_rejected');
    expect(rejected).toEqual([
      expect.objectContaining({
        request_id: 'bad-1',
        status_code: 400,
        error: 'INVALID_FEATURE_VALUE',
        field: 'features.amount',
        level: 'info',
      }),
    ]);
  });

  it('LOG_SUCCESS_SAMPLE_RATIO=0 still logs every prediction at or over LOG_SLOW_REQUEST_MS, with slow: true', async () => {
    const logs = captureLogs();
    service = await startApp({ LOG_LEVEL: 'info', LOG_SUCCESS_SAMPLE_RATIO: '0' }, { logStream: logs.stream });
    for (let i = 0; i < 20; i++) await postJson(`${service.url}/predict`, { features: {} });
    expect(logs.lines().filter((l) => l['msg'] === 'prediction_completed')).toEqual([]);
    await service.close();
    service = await startApp({ LOG_LEVEL: 'info', LOG_SUCCESS_SAMPLE_RATIO: '0', LOG_SLOW_REQUEST_MS: '0' }, { logStream: logs.stream });
    await postJson(`${service.url}/predict`, { features: {} }, { 'x-request-id': 'slow-1' });
    await postJson(`${service.url}/predict/batch`, { instances: [{}, {}] }, { 'x-request-id': 'slow-2' });
    const slow = logs.lines().filter((l) => l['msg'] === 'prediction_completed');
    expect(slow.map((l) => [l['request_id'], l['slow'], l['log_sample_ratio']])).toEqual([
      ['slow-1', true, undefined],
      ['slow-2', true, undefined],
    ]);
  });

  it('LOG_SUCCESS_SAMPLE_RATIO=0 logs a failed inference all the same', async () => {
    const logs = captureLogs();
    service = await startApp(
      { LOG_LEVEL: 'info', LOG_SUCCESS_SAMPLE_RATIO: '0' },
      { logStream: logs.stream, registry: failingRegistry(await sharedRegistry()) },
    );
    expect((await postJson(`${service.url}/predict`, { features: {} }, { 'x-request-id': 'boom-2' })).status).toBe(500);
    expect(
      logs
        .lines()
        .filter((l) => l['msg'] === 'prediction_failed')
        .map((l) => l['request_id']),
    ).toEqual(['boom-2']);
  });

  it('LOG_SUCCESS_MAX_PER_SECOND holds success lines to that many a second', async () => {
    const logs = captureLogs();
    service = await startApp({ LOG_LEVEL: 'info', LOG_SUCCESS_MAX_PER_SECOND: '5' }, { logStream: logs.stream });
    const startedSecond = Math.floor(Date.now() / 1000);
    for (let i = 0; i < 40; i++) await postJson(`${service.url}/predict`, { features: {} });
    const seconds = Math.floor(Date.now() / 1000) - startedSecond + 1;
    const completed = logs.lines().filter((l) => l['msg'] === 'prediction_completed');
    expect(completed.length).toBeGreaterThanOrEqual(5);
    expect(completed.length).toBeLessThanOrEqual(5 * seconds);
    // Every request was answered and counted: the cap thins the log, not the metrics.
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(metrics).toMatch(/ml_predictions_total\{[^}]*status="success"[^}]*\} 40/);
  });
});
