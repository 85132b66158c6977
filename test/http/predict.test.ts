import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PACKAGED_MODELS_DIR } from '../../src/config/index.js';
import { loadModelRegistry } from '../../src/model/index.js';
import { rocAuc } from '../../scripts/train/classification-metrics.js';
import { createRandom } from '../../scripts/train/random.js';
import { generateLabelledTransactions } from '../../scripts/train/synthetic-transactions.js';
import { postJson, sharedRegistry, startApp, type RunningApp } from '../helpers/app.js';

const SEED_BODY = { features: { amount: 100, age: 35 }, model_name: 'fraud-detection', model_version: 'v1.0' };

describe('POST /predict', () => {
  let service: RunningApp;
  beforeEach(async () => {
    service = await startApp();
  });
  afterEach(() => service.close());

  it("answers the seed exercise's request with its four fields and the imputed features", async () => {
    const res = await postJson(`${service.url}/predict`, SEED_BODY);
    expect(res.status).toBe(200);
    const body = res.json!;
    expect(body.model_name).toBe('fraud-detection');
    expect(body.model_version).toBe('v1.0');
    const p = body.prediction as number;
    expect(p).toBeGreaterThanOrEqual(0);
    expect(p).toBeLessThanOrEqual(1);
    expect(body.confidence).toBe(Math.max(p, 1 - p));
    expect(body.imputed_features).toEqual([
      'hour',
      'distance_from_home_km',
      'distance_from_last_transaction_km',
      'transactions_last_24h',
      'account_age_days',
      'ratio_to_median_purchase',
      'is_online',
      'used_pin',
      'merchant_category',
      'card_type',
    ]);
  });

  it('uses the seed defaults when model_name and model_version are omitted', async () => {
    const explicit = await postJson(`${service.url}/predict`, SEED_BODY);
    const implicit = await postJson(`${service.url}/predict`, { features: SEED_BODY.features });
    expect(implicit.status).toBe(200);
    // Every prediction gets its own id; the rest is the same.
    expect({ ...implicit.json, prediction_id: undefined }).toEqual({ ...explicit.json, prediction_id: undefined });
    expect(implicit.json!['prediction_id']).not.toBe(explicit.json!['prediction_id']);
  });

  it("fills omitted features with the schema's missing values", async () => {
    const registry = await sharedRegistry();
    const schema = registry.get('fraud-detection', 'v1.0')!.schema;
    const allMissing = Object.fromEntries(schema.features.map((f) => [f.name, f.missing_value]));
    const empty = await postJson(`${service.url}/predict`, { features: {} });
    const explicit = await postJson(`${service.url}/predict`, { features: allMissing });
    expect(empty.json!.imputed_features).toEqual(schema.names);
    expect(explicit.json!.imputed_features).toEqual([]);
    expect(empty.json!.prediction).toBe(explicit.json!.prediction);
  });

  it('scores a risky transaction far above a routine one', async () => {
    const routine = {
      amount: 38.5,
      age: 45,
      hour: 13,
      distance_from_home_km: 3,
      distance_from_last_transaction_km: 1,
      transactions_last_24h: 1,
      account_age_days: 2400,
      ratio_to_median_purchase: 0.9,
      is_online: 0,
      used_pin: 1,
      merchant_category: 'grocery',
      card_type: 'debit',
    };
    const risky = {
      ...routine,
      amount: 900,
      hour: 3,
      distance_from_home_km: 400,
      distance_from_last_transaction_km: 380,
      transactions_last_24h: 9,
      account_age_days: 3,
      ratio_to_median_purchase: 12,
      is_online: 1,
      used_pin: 0,
      merchant_category: 'electronics',
      card_type: 'prepaid',
    };
    const a = (await postJson(`${service.url}/predict`, { features: routine })).json!.prediction as number;
    const b = (await postJson(`${service.url}/predict`, { features: risky })).json!.prediction as number;
    expect(a).toBeLessThan(0.01);
    expect(b).toBeGreaterThan(0.5);
  });

  it('is a real model: ROC AUC above 0.85 on fresh labelled transactions scored over HTTP', async () => {
    // A different seed from training: these rows were never seen by the model.
    const { rows, labels } = generateLabelledTransactions(createRandom(7), 4000);
    const scores: number[] = [];
    for (let start = 0; start < rows.length; start += 1000) {
      const res = await postJson(`${service.url}/predict/batch`, { instances: rows.slice(start, start + 1000) });
      expect(res.status).toBe(200);
      for (const p of res.json!.predictions as { prediction: number }[]) scores.push(p.prediction);
    }
    const auc = rocAuc(scores, labels);
    expect(auc).toBeGreaterThan(0.85);
  });

  it('unknown model or version -> 404 listing the loaded models', async () => {
    const byName = await postJson(`${service.url}/predict`, { ...SEED_BODY, model_name: 'churn' });
    expect(byName.status).toBe(404);
    expect(byName.json).toMatchObject({ error: 'MODEL_NOT_FOUND', field: 'model_name' });
    expect(byName.json!.message).toContain('fraud-detection@v1.0');
    const byVersion = await postJson(`${service.url}/predict`, { ...SEED_BODY, model_version: 'v9' });
    expect(byVersion.status).toBe(404);
    expect(byVersion.json!.message).toContain('"v9"');
  });
});

describe('POST /predict/batch', () => {
  let service: RunningApp;
  beforeEach(async () => {
    service = await startApp({ MAX_BATCH_SIZE: '50' });
  });
  afterEach(() => service.close());

  it('gives each row the same score as /predict and as the registry scoring reference.csv', async () => {
    const model = (await sharedRegistry()).get('fraud-detection', 'v1.0')!;
    const rows = Array.from({ length: 50 }, (_, r) =>
      Object.fromEntries(
        model.schema.features.map((f, i) => {
          const v = model.reference.columns[i]![r]!;
          return [f.name, f.type === 'numeric' ? v : f.categories[v]];
        }),
      ),
    );
    const batch = await postJson(`${service.url}/predict/batch`, { instances: rows });
    expect(batch.status).toBe(200);
    const predictions = batch.json!.predictions as { prediction: number; confidence: number; imputed_features: string[] }[];
    expect(predictions).toHaveLength(50);
    for (let r = 0; r < 50; r++) {
      const single = await postJson(`${service.url}/predict`, { features: rows[r] });
      expect(single.json!.prediction).toBe(predictions[r]!.prediction);
      expect(predictions[r]!.prediction).toBe(model.referencePredictions[r]);
      expect(predictions[r]!.imputed_features).toEqual([]);
    }
  });

  it('over MAX_BATCH_SIZE -> 413 naming the limit', async () => {
    const res = await postJson(`${service.url}/predict/batch`, { instances: Array.from({ length: 51 }, () => ({})) });
    expect(res.status).toBe(413);
    expect(res.json).toMatchObject({ error: 'BATCH_TOO_LARGE', field: 'instances' });
    expect(res.json!.message).toContain('50');
  });

  it('an empty batch -> 400', async () => {
    const res = await postJson(`${service.url}/predict/batch`, { instances: [] });
    expect(res.status).toBe(400);
    expect(res.json!.error).toBe('EMPTY_BATCH');
  });

  it('a bad row -> 400 naming its index and field', async () => {
    const instances = [{ amount: 1 }, { amount: 2 }, { amount: 3 }, { amount: 'lots' }];
    const res = await postJson(`${service.url}/predict/batch`, { instances });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: 'INVALID_FEATURE_VALUE', field: 'instances[3].amount' });
  });
});

describe('model registry with several models and versions', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ml-models-'));
    const source = join(PACKAGED_MODELS_DIR, 'fraud-detection', 'v1.0');
    for (const [name, version] of [
      ['fraud-detection', 'v1.0'],
      ['fraud-copy', 'v1.2'],
      ['fraud-copy', 'v1.10'],
    ] as const) {
      const target = join(dir, name, version);
      await cp(source, target, { recursive: true });
      const schema = JSON.parse(await readFile(join(target, 'schema.json'), 'utf8'));
      await writeFile(join(target, 'schema.json'), JSON.stringify({ ...schema, name, version }));
    }
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('serves every <name>/<version>/ directory and resolves an omitted version to the highest (v1.10 > v1.2)', async () => {
    const registry = await loadModelRegistry(dir, { intraOpThreads: 1 });
    const service = await startApp({}, { registry });
    try {
      const latest = await postJson(`${service.url}/predict`, { features: {}, model_name: 'fraud-copy' });
      expect(latest.status).toBe(200);
      expect(latest.json).toMatchObject({ model_name: 'fraud-copy', model_version: 'v1.10' });
      const pinned = await postJson(`${service.url}/predict`, { features: {}, model_name: 'fraud-copy', model_version: 'v1.2' });
      expect(pinned.json).toMatchObject({ model_version: 'v1.2' });
      const models = (await (await fetch(`${service.url}/models`)).json()) as { models: { model_name: string; model_version: string }[] };
      expect(models.models.map((m) => `${m.model_name}@${m.model_version}`)).toEqual([
        'fraud-copy@v1.2',
        'fraud-copy@v1.10',
        'fraud-detection@v1.0',
      ]);
    } finally {
      await service.close();
      await registry.close();
    }
  });
});
