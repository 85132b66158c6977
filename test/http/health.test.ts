import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../helpers/app.js';

describe('health, readiness and discovery', () => {
  let service: RunningApp;
  beforeEach(async () => {
    service = await startApp();
  });
  afterEach(() => service.close());

  it('GET /health -> {"status": "healthy"}', async () => {
    const res = await fetch(`${service.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'healthy' });
  });

  it('GET /ready -> 200 with the loaded models; 503 while something holds readiness back', async () => {
    const ready = await fetch(`${service.url}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', models: ['fraud-detection@v1.0'] });

    const release = service.app.readiness.hold('warming the span exporter');
    const held = await fetch(`${service.url}/ready`);
    expect(held.status).toBe(503);
    expect(await held.json()).toMatchObject({ status: 'starting', reasons: ['warming the span exporter'] });
    expect((await fetch(`${service.url}/health`)).status).toBe(200);

    release();
    expect((await fetch(`${service.url}/ready`)).status).toBe(200);
  });

  it('draining -> /ready 503 and every response asks the client to close its connection', async () => {
    service.app.readiness.drain();
    const ready = await fetch(`${service.url}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'draining' });
    const predict = await fetch(`${service.url}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"features":{}}',
    });
    expect(predict.status).toBe(200);
    expect(predict.headers.get('connection')).toBe('close');
  });

  it('GET /models -> each model with its feature schema and holdout metrics', async () => {
    const body = (await (await fetch(`${service.url}/models`)).json()) as { models: Record<string, unknown>[] };
    expect(body.models).toHaveLength(1);
    const model = body.models[0]!;
    expect(model).toMatchObject({ model_name: 'fraud-detection', model_version: 'v1.0', framework: 'onnx', reference_rows: 5000 });
    // The embedded tree ensemble passed the startup check against onnxruntime (model/tree-ensemble.ts).
    expect(model.scorer).toEqual({ small_requests: 'tree-ensemble-js' });
    expect((model.features as unknown[]).length).toBe(12);
    expect((model.metrics as Record<string, number>).holdout_roc_auc).toBeGreaterThan(0.9);
  });

  it('an unknown route -> 404 JSON naming it', async () => {
    const res = await fetch(`${service.url}/predictions`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'NOT_FOUND', message: 'no route GET /predictions' });
  });
});
