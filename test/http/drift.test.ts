import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDriftJob, type DriftJobOptions } from '../../src/drift/job.js';
import { parseExposition } from '../helpers/exposition.js';
import { postJson, startApp, type RunningApp } from '../helpers/app.js';
import { DRIFT_ENV, embeddedReferenceRows, MODEL, sendRows, startWithDriftJob, type ReferenceRow } from '../helpers/drift-traffic.js';

let reference: ReferenceRow[];
beforeAll(async () => {
  reference = await embeddedReferenceRows();
});

/** `count` reference rows from `start`, as /predict/batch requests of 100 rows. */
const send = (service: RunningApp, start: number, count: number, shift?: string) => sendRows(service, reference, start, count, shift);

async function gauges(service: RunningApp) {
  const text = await (await fetch(`${service.url}/metrics`)).text();
  return parseExposition(text);
}
const valueOf = (metrics: Awaited<ReturnType<typeof gauges>>, name: string, labels: Record<string, string>) =>
  metrics.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

describe('drift monitoring in the service', () => {
  let service: RunningApp | undefined;
  afterEach(async () => {
    await service?.close();
    service = undefined;
  });

  it('GET /drift before the first evaluation -> 503 saying when one runs; unknown model -> 404 naming what is loaded', async () => {
    service = await startApp(DRIFT_ENV);
    const pending = await fetch(`${service.url}/drift`);
    expect(pending.status).toBe(503);
    expect(((await pending.json()) as { message: string }).message).toMatch(/every 3600 s \(DRIFT_INTERVAL_SECONDS\)/);
    const unknown = await fetch(`${service.url}/drift/no-such-model/v9`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: 'MODEL_NOT_FOUND', message: expect.stringContaining('fraud-detection@v1.0') });
  });

  it('reference-like traffic -> no drift; the same traffic with amount tripled -> amount drifts, in /drift and in the gauges', async () => {
    const started = await startWithDriftJob(DRIFT_ENV);
    service = started.service;
    await send(service, 0, 400);
    await started.runNow();

    const clean = (await (await fetch(`${service.url}/drift`)).json()) as Record<string, unknown> & {
      features: Record<string, { drifted: boolean }>;
    };
    expect(clean).toMatchObject({
      ...MODEL,
      drift_detected: false,
      drifted_features: [],
      total_features: 12,
      window_rows: 400,
      status: 'ok',
    });
    expect(Object.keys(clean.features).sort()).toEqual(service.app.registry.get('fraud-detection', 'v1.0')!.schema.names.slice().sort());
    let metrics = await gauges(service);
    expect(valueOf(metrics, 'ml_drift_feature_detected', { feature_name: 'amount' })).toBe(0);
    expect(valueOf(metrics, 'ml_drift_dataset_detected', {})).toBe(0);
    expect(valueOf(metrics, 'ml_drift_window_rows', {})).toBe(400);
    expect(valueOf(metrics, 'ml_drift_runs_total', { outcome: 'success' })).toBe(1);
    expect(valueOf(metrics, 'ml_drift_last_success_timestamp_seconds', {})).toBeGreaterThan(Date.now() / 1000 - 60);

    // The window holds the last 400 rows: 400 shifted rows replace the clean ones.
    await send(service, 400, 400, 'amount:*3');
    await started.runNow();
    const drifted = (await (await fetch(`${service.url}/drift/fraud-detection/v1.0`)).json()) as {
      drifted_features: string[];
      drift_score: number;
      features: Record<string, { drifted: boolean; psi: number }>;
    };
    expect(drifted.drifted_features).toContain('amount');
    expect(drifted.drift_score).toBeCloseTo(drifted.drifted_features.length / 12, 12);
    expect(drifted.features['amount']!.psi).toBeGreaterThan(0.1);
    metrics = await gauges(service);
    expect(valueOf(metrics, 'ml_drift_feature_detected', { feature_name: 'amount' })).toBe(1);
    expect(valueOf(metrics, 'ml_drift_psi', { feature_name: 'amount' })).toBeGreaterThan(0.1);
    expect(valueOf(metrics, 'ml_drift_runs_total', { outcome: 'success' })).toBe(2);
    // Every drift gauge value is finite, and every feature label is one of the schema's.
    const names = new Set(service.app.registry.get('fraud-detection', 'v1.0')!.schema.names);
    for (const sample of metrics.samples.filter((s) => s.name.startsWith('ml_drift_'))) {
      expect(Number.isFinite(sample.value), `${sample.name} ${JSON.stringify(sample.labels)}`).toBe(true);
      if (sample.labels['feature_name'] !== undefined) expect(names.has(sample.labels['feature_name'])).toBe(true);
    }
  });

  it('omitted features count as missing, not as the imputed value', async () => {
    const started = await startWithDriftJob(DRIFT_ENV);
    service = started.service;
    const instances = reference.slice(0, 200).map(({ hour: _hour, ...rest }) => rest);
    expect((await postJson(`${service.url}/predict/batch`, { instances, ...MODEL })).status).toBe(200);
    await started.runNow();
    const report = (await (await fetch(`${service.url}/drift`)).json()) as {
      features: Record<string, { missing_ratio: number; drifted: boolean; missing_test?: { drifted: boolean } }>;
    };
    expect(report.features['hour']!.missing_ratio).toBe(1);
    expect(report.features['amount']!.missing_ratio).toBe(0);
    // The default method tests the missing share as its own signal, apart from the feature's drift.
    expect(report.features['hour']).toMatchObject({ drifted: false, missing_test: { drifted: true } });
    const metrics = await gauges(service);
    expect(valueOf(metrics, 'ml_drift_missing_ratio', { feature_name: 'hour' })).toBe(1);
    expect(valueOf(metrics, 'ml_drift_detected', { feature_name: 'hour', stattest: 'missing_share' })).toBe(1);
    expect(valueOf(metrics, 'ml_drift_detected', { feature_name: 'amount', stattest: 'missing_share' })).toBe(0);
    expect(valueOf(metrics, 'ml_drift_feature_detected', { feature_name: 'hour' })).toBe(0);
  });

  it('fewer rows than DRIFT_MIN_ROWS -> insufficient data, no drift decided', async () => {
    const started = await startWithDriftJob(DRIFT_ENV);
    service = started.service;
    await send(service, 0, 50, 'amount:*10');
    await started.runNow();
    const report = (await (await fetch(`${service.url}/drift`)).json()) as {
      status: string;
      drift_detected: boolean;
      drifted_features: string[];
    };
    expect(report).toMatchObject({ status: 'insufficient_data', drift_detected: false, drifted_features: [] });
  });

  it('a run asked for while one is going is skipped and counted, not queued', async () => {
    const started = await startWithDriftJob(DRIFT_ENV);
    service = started.service;
    await send(service, 0, 200);
    const first = started.runNow();
    const second = started.runNow();
    await Promise.all([first, second]);
    const metrics = await gauges(service);
    expect(valueOf(metrics, 'ml_drift_runs_total', { outcome: 'success' })).toBe(1);
    expect(valueOf(metrics, 'ml_drift_runs_total', { outcome: 'skipped' })).toBe(1);
  });

  it('DRIFT_ENABLED=false -> no drift job, no /drift route and no drift series', async () => {
    let jobs = 0;
    const createCounted = (options: DriftJobOptions) => {
      jobs++;
      return createDriftJob(options);
    };
    service = await startApp({ DRIFT_ENABLED: 'false' }, { createDriftJob: createCounted });
    expect((await fetch(`${service.url}/drift`)).status).toBe(404);
    expect(jobs).toBe(0);
    const metrics = await gauges(service);
    expect(metrics.samples.filter((s) => s.name.startsWith('ml_drift_'))).toEqual([]);
  });
});
