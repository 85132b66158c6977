import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGED_MODELS_DIR } from '../../src/config/index.js';
import { hasBinary, PROMETHEUS_INSTALL } from '../helpers/binaries.js';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver.js';
import { poll } from '../helpers/poll.js';
import { spawnServer, type ServerProcess } from '../helpers/process.js';
import { startPrometheus, type PromSample, type RunningPrometheus } from '../helpers/prometheus.js';

/**
 * What a real Prometheus ingests from the service: the scrape negotiates OpenMetrics, so this is
 * the test of the exposition that matters (names not mangled, label sets, exemplars).
 */
const available = hasBinary('prometheus', PROMETHEUS_INSTALL);

const MODEL = { model_name: 'fraud-detection', model_version: 'v1.0' };
const SINGLE = 40;
const BATCH_ROWS = 25;

const labelsOf = (sample: PromSample) => Object.keys(sample.metric).sort();
const values = (samples: PromSample[], label: string) => [...new Set(samples.map((s) => s.metric[label]!))].sort();

describe.skipIf(!available)('a real Prometheus scraping the service', () => {
  let receiver: OtlpReceiver;
  let server: ServerProcess;
  let prometheus: RunningPrometheus;
  let numericFeatures: string[];
  const started = Date.now() / 1000;

  beforeAll(async () => {
    const schema = JSON.parse(await readFile(`${PACKAGED_MODELS_DIR}/fraud-detection/v1.0/schema.json`, 'utf8')) as {
      features: { name: string; type: string }[];
    };
    numericFeatures = schema.features
      .filter((f) => f.type === 'numeric')
      .map((f) => f.name)
      .sort();
    receiver = await startOtlpReceiver();
    server = await spawnServer(
      { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_TRACES_SAMPLER_ARG: '1', OTEL_BSP_SCHEDULE_DELAY: '50' },
      { traced: true },
    );
    prometheus = await startPrometheus(
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        'scrape_configs:',
        '  - job_name: ml-service',
        '    static_configs: [{ targets: ["127.0.0.1:' + server.port + '"] }]',
      ].join('\n'),
      { flags: ['--enable-feature=exemplar-storage'] },
    );
    const post = (path: string, body: unknown) =>
      fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    for (let i = 0; i < SINGLE; i++) expect((await post('/predict', { features: { amount: 10 * i, age: 30 }, ...MODEL })).status).toBe(200);
    const instances = Array.from({ length: BATCH_ROWS }, (_, i) => ({ amount: i, hour: i % 24 }));
    expect((await post('/predict/batch', { instances, ...MODEL })).status).toBe(200);
    expect((await post('/predict', { features: { no_such_feature: 1 }, ...MODEL })).status).toBe(400);
  });

  afterAll(async () => {
    await prometheus?.stop();
    server?.child.kill('SIGKILL');
    await receiver?.close();
  });

  it('ingests the seed counters under their exact names, one row per batch row, with the seed label sets', async () => {
    const rows = SINGLE + BATCH_ROWS;
    const samples = await prometheus.waitFor(
      'ml_predictions_total{status="success"}',
      (s) => s.length === 1 && Number(s[0]!.value[1]) === rows,
      `ml_predictions_total{status="success"} == ${rows}`,
    );
    expect(samples[0]!.metric).toEqual({
      __name__: 'ml_predictions_total',
      instance: `127.0.0.1:${server.port}`,
      job: 'ml-service',
      ...MODEL,
      status: 'success',
    });
    const errors = await prometheus.query('ml_predictions_total{status="error"}');
    expect(errors.map((s) => Number(s.value[1]))).toEqual([0]);
    // Rendering one registry in both formats would have produced these names.
    expect(await prometheus.query('{__name__=~"ml_predictions_total_total|ml_predictions"}')).toEqual([]);
  });

  it('ingests the histograms with the seed buckets and label sets, and the info and gauge metrics', async () => {
    const buckets = await prometheus.waitFor('ml_prediction_duration_seconds_bucket', (s) => s.length > 0, 'duration buckets');
    expect(
      values(buckets, 'le')
        .map((le) => (le === '+Inf' ? Infinity : Number(le)))
        .sort((a, b) => a - b),
    ).toEqual([0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, Infinity]);
    for (const sample of buckets) expect(labelsOf(sample)).toEqual(['__name__', 'instance', 'job', 'le', 'model_name', 'model_version']);

    const scores = await prometheus.query('ml_prediction_scores_count');
    expect(scores.map((s) => Number(s.value[1]))).toEqual([SINGLE + BATCH_ROWS]);

    const features = await prometheus.query('ml_feature_value_count');
    expect(values(features, 'feature_name')).toEqual(numericFeatures);
    for (const sample of features) expect(labelsOf(sample)).toEqual(['__name__', 'feature_name', 'instance', 'job', 'model_name']);

    const info = await prometheus.query('ml_model_info');
    expect(info.map((s) => [s.metric['model_name'], s.metric['model_version'], s.metric['framework'], s.value[1]])).toEqual([
      ['fraud-detection', 'v1.0', 'onnx', '1'],
    ]);
    expect(await prometheus.query('ml_active_requests')).toHaveLength(1);
    const rejected = await prometheus.query('ml_requests_rejected_total{reason="unknown_feature"}');
    expect(rejected.map((s) => Number(s.value[1]))).toEqual([1]);
  });

  it('ingests HTTP durations by method, route template and status code', async () => {
    const http = await prometheus.waitFor(
      'http_server_request_duration_seconds_count{http_route=~"/predict.*"}',
      (s) => s.length >= 3,
      'HTTP duration series for /predict and /predict/batch',
    );
    const keyed = Object.fromEntries(
      http.map((s) => [
        `${s.metric['http_request_method']} ${s.metric['http_route']} ${s.metric['http_response_status_code']}`,
        Number(s.value[1]),
      ]),
    );
    expect(keyed).toMatchObject({ 'POST /predict 200': SINGLE, 'POST /predict/batch 200': 1, 'POST /predict 400': 1 });
  });

  it('stores exemplars on the latency buckets whose trace_id is a trace the service exported', async () => {
    // Every request above was sampled (ratio 1): each exemplar must name one of their traces.
    await receiver.waitFor((spans) => spans.filter((s) => s.name === 'POST /predict').length >= SINGLE, 'the request spans');
    const series = await poll(
      async () => {
        const found = await prometheus.exemplars('http_server_request_duration_seconds_bucket', started - 60, Date.now() / 1000 + 60);
        return found.some((s) => s.exemplars.length > 0) ? found : undefined;
      },
      { deadlineMs: 30_000, what: 'exemplars on http_server_request_duration_seconds_bucket', intervalMs: 250 },
    );
    const exemplars = series.flatMap((s) =>
      s.exemplars.map((e) => ({ route: s.seriesLabels['http_route'], traceId: e.labels['trace_id'] })),
    );
    expect(exemplars.length).toBeGreaterThan(0);
    const exported = new Set(receiver.spans.map((s) => s.traceId));
    for (const exemplar of exemplars) {
      expect(exemplar.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(exported.has(exemplar.traceId!), `exemplar trace ${exemplar.traceId} on ${exemplar.route} was exported`).toBe(true);
    }
  });
});
