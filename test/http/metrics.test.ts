import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { postJson, startApp, type RunningApp } from '../helpers/app.js';
import { binary, hasBinary, PROMETHEUS_INSTALL } from '../helpers/binaries.js';
import { parseExposition } from '../helpers/exposition.js';

/** The seed exercise's metrics, verbatim: name -> [type, help, labels, buckets]. */
const SEED: Record<string, [string, string, string[], number[]?]> = {
  ml_predictions_total: ['counter', 'Total number of predictions', ['model_name', 'model_version', 'status']],
  ml_prediction_duration_seconds: [
    'histogram',
    'Time spent making predictions',
    ['model_name', 'model_version'],
    [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0],
  ],
  ml_prediction_scores: [
    'histogram',
    'Distribution of prediction scores',
    ['model_name', 'model_version'],
    [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0],
  ],
  ml_confidence_scores: [
    'histogram',
    'Model confidence distribution',
    ['model_name', 'model_version'],
    [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0],
  ],
  ml_feature_value: ['histogram', 'Feature value distribution', ['model_name', 'feature_name'], [0, 10, 50, 100, 500, 1000, 5000, 10000]],
  ml_model_info: ['gauge', 'Model information', ['model_name', 'model_version', 'framework']],
  ml_active_requests: ['gauge', 'Currently processing requests', []],
};

const scrape = async (url: string, accept?: string) => {
  const response = await fetch(`${url}/metrics`, accept ? { headers: { accept } } : {});
  return { contentType: response.headers.get('content-type') ?? '', text: await response.text() };
};

const MODEL = { model_name: 'fraud-detection', model_version: 'v1.0' };
const FULL_ROW = {
  amount: 120.5,
  age: 41,
  hour: 14,
  distance_from_home_km: 3.2,
  distance_from_last_transaction_km: 1.1,
  transactions_last_24h: 2,
  account_age_days: 800,
  ratio_to_median_purchase: 1.3,
  is_online: 0,
  used_pin: 1,
  merchant_category: 'grocery',
  card_type: 'debit',
};

describe('GET /metrics', () => {
  let service: RunningApp;
  beforeEach(async () => {
    service = await startApp();
  });
  afterEach(() => service.close());

  it("exports every seed metric with the exercise's exact type, help text, labels and buckets", async () => {
    await postJson(`${service.url}/predict`, { features: { amount: 100, age: 35 }, ...MODEL });
    const exposition = parseExposition((await scrape(service.url)).text);
    for (const [name, [type, help, labels, buckets]] of Object.entries(SEED)) {
      expect(exposition.type.get(name), name).toBe(type);
      expect(exposition.help.get(name), name).toBe(help);
      const sampleName = type === 'histogram' ? `${name}_count` : name;
      const samples = exposition.find(sampleName);
      expect(samples.length, name).toBeGreaterThan(0);
      for (const sample of samples) expect(Object.keys(sample.labels).sort(), name).toEqual([...labels].sort());
      if (buckets) {
        const les = [...new Set(exposition.find(`${name}_bucket`).map((s) => s.labels['le']))];
        expect(les, name).toEqual([...buckets.map(String), '+Inf']);
      }
    }
    expect(exposition.value('ml_model_info', { ...MODEL, framework: 'onnx' })).toBe(1);
    expect(exposition.value('ml_active_requests')).toBe(0);
  });

  it('counts a single row and a 3-row batch as 4 predictions, observing every row', async () => {
    await postJson(`${service.url}/predict`, { features: { amount: 100, age: 35 } });
    await postJson(`${service.url}/predict/batch`, { instances: [FULL_ROW, FULL_ROW, { amount: 7000 }] });
    const m = parseExposition((await scrape(service.url)).text);
    expect(m.value('ml_predictions_total', { ...MODEL, status: 'success' })).toBe(4);
    expect(m.value('ml_predictions_total', { ...MODEL, status: 'error' })).toBe(0);
    expect(m.value('ml_prediction_scores_count', MODEL)).toBe(4);
    expect(m.value('ml_confidence_scores_count', MODEL)).toBe(4);
    // Requests, not rows, are timed.
    expect(m.value('ml_prediction_duration_seconds_count', MODEL)).toBe(2);
    // amount was given in all 4 rows: 100 + 120.5 + 120.5 + 7000; two of them fall in le=500, 7000 in le=10000.
    expect(m.value('ml_feature_value_count', { model_name: 'fraud-detection', feature_name: 'amount' })).toBe(4);
    expect(m.value('ml_feature_value_sum', { model_name: 'fraud-detection', feature_name: 'amount' })).toBeCloseTo(7341, 6);
    expect(m.value('ml_feature_value_bucket', { feature_name: 'amount', le: '500' })).toBe(3);
    expect(m.value('ml_feature_value_bucket', { feature_name: 'amount', le: '10000' })).toBe(4);
    // hour was given by the two full rows only; imputed for the other two.
    expect(m.value('ml_feature_value_count', { feature_name: 'hour' })).toBe(2);
    expect(m.value('ml_features_imputed_total', { ...MODEL, feature_name: 'hour' })).toBe(2);
    expect(m.value('ml_features_imputed_total', { ...MODEL, feature_name: 'amount' })).toBe(0);
    expect(m.value('ml_features_imputed_total', { ...MODEL, feature_name: 'merchant_category' })).toBe(2);
    // Categorical features have no value histogram.
    expect(m.find('ml_feature_value_count', { feature_name: 'merchant_category' })).toHaveLength(0);
  });

  it('counts rejected requests by a closed set of reasons', async () => {
    await postJson(`${service.url}/predict`, { features: { amount: 'x' } });
    await postJson(`${service.url}/predict`, { features: { nope: 1 } });
    await postJson(`${service.url}/predict`, '{"features":');
    await postJson(`${service.url}/predict`, { features: {}, model_name: 'other' });
    await fetch(`${service.url}/predict`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' });
    const m = parseExposition((await scrape(service.url)).text);
    expect(m.value('ml_requests_rejected_total', { reason: 'invalid_feature_value' })).toBe(1);
    expect(m.value('ml_requests_rejected_total', { reason: 'unknown_feature' })).toBe(1);
    expect(m.value('ml_requests_rejected_total', { reason: 'malformed_json' })).toBe(1);
    expect(m.value('ml_requests_rejected_total', { reason: 'model_not_found' })).toBe(1);
    expect(m.value('ml_requests_rejected_total', { reason: 'unsupported_media_type' })).toBe(1);
    expect(m.value('ml_predictions_total', { ...MODEL, status: 'success' })).toBe(0);
  });

  it('HTTP durations by method, route template and status: a raw URL never becomes a label', async () => {
    await postJson(`${service.url}/predict?debug=1`, { features: {} });
    await fetch(`${service.url}/users/12345/secret`);
    await fetch(`${service.url}/health`, { method: 'PROPFIND' });
    const m = parseExposition((await scrape(service.url)).text);
    const http = 'http_server_request_duration_seconds_count';
    expect(m.value(http, { http_request_method: 'POST', http_route: '/predict', http_response_status_code: '200' })).toBe(1);
    expect(m.value(http, { http_request_method: 'GET', http_route: '', http_response_status_code: '404' })).toBe(1);
    expect(m.value(http, { http_request_method: '_OTHER', http_route: '', http_response_status_code: '404' })).toBe(1);
    const text = (await scrape(service.url)).text;
    expect(text).not.toContain('12345');
    expect(text).not.toContain('debug');
  });

  it('3,000 requests with random model names, versions, feature names and categories create no series', async () => {
    const junk = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 });
    const bodies = fc.sample(
      fc.oneof(
        fc.record({
          features: fc.dictionary(junk, fc.oneof(fc.double({ noNaN: true }), junk), { maxKeys: 3 }),
          model_name: junk,
          model_version: junk,
        }),
        fc.record({ features: fc.record({ merchant_category: junk, card_type: junk }) }),
        fc.record({ features: fc.dictionary(junk, fc.integer(), { minKeys: 1, maxKeys: 3 }) }),
        fc.record({ instances: fc.array(fc.dictionary(junk, junk, { maxKeys: 2 }), { minLength: 1, maxLength: 3 }), model_version: junk }),
      ),
      { numRuns: 3000, seed: 42 },
    );
    // One of each kind first, so every legitimate series (e.g. status 400 and 404 of /predict) exists.
    for (const body of bodies.slice(0, 50)) await postJson(`${service.url}/predict${'instances' in body ? '/batch' : ''}`, body);
    await scrape(service.url); // the first scrape creates its own http series, recorded after it answered
    const before = parseExposition((await scrape(service.url)).text).seriesIds();
    for (const body of bodies.slice(50)) await postJson(`${service.url}/predict${'instances' in body ? '/batch' : ''}`, body);
    const afterText = (await scrape(service.url)).text;
    // prom-client's GC histogram adds a series the first time V8 runs a kind of GC (a closed set
    // of four kinds, whatever the requests): process metrics are not what this test is about.
    const fromRequests = (ids: Set<string>) => new Set([...ids].filter((id) => !id.startsWith('nodejs_gc_')));
    const after = fromRequests(parseExposition(afterText).seriesIds());
    const beforeIds = fromRequests(before);
    expect([...after].filter((id) => !beforeIds.has(id))).toEqual([]);
    expect(after.size).toBe(beforeIds.size);
  });

  it('serves the text format by default and OpenMetrics when asked; counters keep their name in both', async () => {
    await postJson(`${service.url}/predict`, { features: {} });
    const text = await scrape(service.url);
    expect(text.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(text.text).toContain('# TYPE ml_predictions_total counter');
    const om = await scrape(service.url, 'application/openmetrics-text; version=1.0.0,text/plain;version=0.0.4;q=0.5');
    expect(om.contentType).toMatch(/^application\/openmetrics-text; version=1\.0\.0/);
    expect(om.text).toContain('# TYPE ml_predictions counter');
    expect(om.text).toMatch(/\nml_predictions_total\{model_name="fraud-detection",model_version="v1.0",status="success"\} 1\n/);
    expect(om.text.endsWith('# EOF\n')).toBe(true);
    // Rendering OpenMetrics must not rename anything in the text format afterwards.
    expect((await scrape(service.url)).text).toContain(
      '\nml_predictions_total{model_name="fraud-detection",model_version="v1.0",status="success"} 1\n',
    );
  });

  it.runIf(hasBinary('promtool', PROMETHEUS_INSTALL))('promtool check metrics finds no problem in the scraped text', async () => {
    await postJson(`${service.url}/predict/batch`, { instances: [FULL_ROW, { amount: 3 }] });
    await postJson(`${service.url}/predict`, { features: { amount: 'x' } });
    const { text } = await scrape(service.url);
    expect(text.length).toBeGreaterThan(1000);
    const result = spawnSync(binary('promtool'), ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('request ids and switches', () => {
  it('echoes a sane x-request-id, replaces anything else with a UUID', async () => {
    const service = await startApp();
    try {
      const kept = await postJson(`${service.url}/predict`, { features: {} }, { 'x-request-id': 'order-4711' });
      expect(kept.headers.get('x-request-id')).toBe('order-4711');
      const replaced = await postJson(`${service.url}/predict`, { features: {} }, { 'x-request-id': 'bad id\twith tab' + 'x'.repeat(200) });
      expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const generated = await postJson(`${service.url}/predict`, { features: {} });
      expect(generated.headers.get('x-request-id')).not.toBe(replaced.headers.get('x-request-id'));
    } finally {
      await service.close();
    }
  });

  it('METRICS_ENABLED=false: no /metrics route', async () => {
    const service = await startApp({ METRICS_ENABLED: 'false' });
    try {
      expect((await postJson(`${service.url}/predict`, { features: {} })).status).toBe(200);
      expect((await fetch(`${service.url}/metrics`)).status).toBe(404);
    } finally {
      await service.close();
    }
  });
});
