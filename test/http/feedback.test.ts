import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { ERROR_STATUS, MAX_ERROR_BODY_BYTES, type ErrorCode } from '../../src/errors.js';
import { createPredictionIdCodec, modelIdOf, PREDICTION_ID_PREFIX, type PredictionIdCodec } from '../../src/feedback/prediction-id.js';
import type { LoadedModel, ModelPerformance, ModelRegistry } from '../../src/model/index.js';
import { parseExposition, type Exposition } from '../helpers/exposition.js';
import { postJson, sharedRegistry, startApp, type RunningApp } from '../helpers/app.js';
import { captureLogs } from '../helpers/logs.js';

const KEY_A = randomBytes(32).toString('base64');
const KEY_B = randomBytes(48).toString('base64');
const KEY_C = randomBytes(32).toString('base64');
const codecOf = (key: string): PredictionIdCodec => createPredictionIdCodec([Buffer.from(key, 'base64')]);

const MODEL = { model_name: 'fraud-detection', model_version: 'v1.0' };
const MODEL_ID = modelIdOf('fraud-detection', 'v1.0');
const ID_FORM = /^p1\.[A-Za-z0-9_-]{50}$/;
const DAY = 86_400;
const nowSeconds = () => Math.floor(Date.now() / 1000);

const registry = await sharedRegistry();
const model = registry.get('fraud-detection', 'v1.0')!;
const { decisionThreshold, scoreBuckets } = model.performance;

/** Rows from routine to risky, so that scores spread over many buckets and both sides of the threshold. */
function instances(n: number): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => ({
    amount: 5 + ((i * 97) % 1500),
    hour: (i * 5) % 24,
    distance_from_home_km: (i * 37) % 600,
    transactions_last_24h: i % 12,
    account_age_days: 1 + ((i * 131) % 3000),
    ratio_to_median_purchase: 0.2 + ((i * 7) % 20),
    is_online: i % 2,
    used_pin: (i + 1) % 2,
  }));
}

async function metricsOf(service: RunningApp): Promise<Exposition> {
  const response = await fetch(`${service.url}/metrics`);
  expect(response.status).toBe(200);
  return parseExposition(await response.text());
}

/** What the service must have counted for these labelled scores, computed here from the contract's definitions. */
function expectedCounts(scores: readonly number[], labels: readonly boolean[]) {
  const edges = scoreBuckets;
  const bucketOf = (s: number) => {
    const b = edges.findIndex((edge) => s <= edge);
    return b === -1 ? edges.length - 1 : b;
  };
  const confusion = { pp: 0, pn: 0, np: 0, nn: 0 } as Record<string, number>;
  const pos = new Array<number>(edges.length).fill(0);
  const neg = new Array<number>(edges.length).fill(0);
  const above = new Array<number>(edges.length).fill(0);
  const scoreSum = new Array<number>(edges.length).fill(0);
  let squared = 0;
  scores.forEach((s, i) => {
    const y = labels[i]!;
    confusion[`${y ? 'p' : 'n'}${s > decisionThreshold ? 'p' : 'n'}`]!++;
    const b = bucketOf(s);
    (y ? pos : neg)[b]!++;
    if (y) for (let k = 0; k < b; k++) above[k]!++;
    scoreSum[b]! += s;
    squared += (s - (y ? 1 : 0)) ** 2;
  });
  return { confusion, pos, neg, above, scoreSum, squared };
}

/** Replace the character at `index` of the id's body with another of the alphabet. */
const flip = (id: string, index: number) => {
  const at = PREDICTION_ID_PREFIX.length + index;
  const c = id[at]!;
  return id.slice(0, at) + (c === 'A' ? 'B' : 'A') + id.slice(at + 1);
};

const started: RunningApp[] = [];
async function replica(env: Record<string, string> = {}, overrides: Parameters<typeof startApp>[1] = {}): Promise<RunningApp> {
  const service = await startApp({ FEEDBACK_KEYS: KEY_A, DRIFT_ENABLED: 'false', ...env }, overrides);
  started.push(service);
  return service;
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});

const feedback = (service: RunningApp, prediction_id: unknown, label: unknown) =>
  postJson(`${service.url}/feedback`, { prediction_id, label });

describe('prediction ids', () => {
  it('POST /predict returns a prediction_id, and POST /predict/batch one per row, each carrying its model, float32 score and time', async () => {
    const service = await replica();
    const before = nowSeconds();
    const single = await postJson(`${service.url}/predict`, { features: { amount: 100, age: 35 } });
    const batch = await postJson(`${service.url}/predict/batch`, { instances: instances(20) });
    const after = nowSeconds();
    expect(single.status).toBe(200);
    expect(batch.status).toBe(200);
    const rows = batch.json!['predictions'] as { prediction: number; prediction_id: string }[];
    const all = [{ prediction: single.json!['prediction'] as number, prediction_id: single.json!['prediction_id'] as string }, ...rows];
    expect(new Set(all.map((r) => r.prediction_id)).size).toBe(21);
    const codec = codecOf(KEY_A);
    for (const row of all) {
      expect(row.prediction_id).toMatch(ID_FORM);
      const verified = codec.verify(row.prediction_id);
      expect(verified.ok).toBe(true);
      if (!verified.ok) continue;
      expect(verified.id.modelId).toBe(MODEL_ID);
      // The response's number is the float32 the model returned: the id carries exactly that.
      expect(verified.id.score).toBe(row.prediction);
      expect(verified.id.issuedAt).toBeGreaterThanOrEqual(before);
      expect(verified.id.issuedAt).toBeLessThanOrEqual(after);
    }
  });

  it('METRICS_ENABLED=false: ids are issued and feedback is accepted, with no /metrics', async () => {
    const service = await replica({ METRICS_ENABLED: 'false' });
    const predicted = await postJson(`${service.url}/predict`, { features: {} });
    expect(predicted.json!['prediction_id']).toMatch(ID_FORM);
    const res = await feedback(service, predicted.json!['prediction_id'], 1);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ accepted: 1 });
    expect((await fetch(`${service.url}/metrics`)).status).toBe(404);
  });
});

describe('feedback across replicas', () => {
  it('predict on one replica, label on another with the same key: the second counts exactly what the labels say, the first nothing', async () => {
    const a = await replica();
    const b = await replica();
    const batch = await postJson(`${a.url}/predict/batch`, { instances: instances(60) });
    const single = await postJson(`${a.url}/predict`, { features: { amount: 900, hour: 3, is_online: 1, used_pin: 0 } });
    const rows = [
      ...(batch.json!['predictions'] as { prediction: number; prediction_id: string }[]),
      { prediction: single.json!['prediction'] as number, prediction_id: single.json!['prediction_id'] as string },
    ];
    const scores = rows.map((r) => r.prediction);
    // Both sides of the threshold and several buckets, or the test would prove little.
    expect(scores.some((s) => s > decisionThreshold)).toBe(true);
    expect(new Set(scores.map((s) => scoreBuckets.findIndex((e) => s <= e))).size).toBeGreaterThan(5);
    // Labels: mostly following the score, some against it; every label form the API takes.
    const labels = rows.map((r, i) => (i % 7 === 3 ? r.prediction <= 0.5 : r.prediction > 0.2 || i % 5 === 0));
    const forms = (y: boolean, i: number) => (i % 2 === 0 ? y : y ? 1 : 0);

    const items = rows.slice(0, -1).map((r, i) => ({ prediction_id: r.prediction_id, label: forms(labels[i]!, i) }));
    const accepted = await postJson(`${b.url}/feedback/batch`, { feedback: items });
    expect(accepted.status, accepted.text).toBe(200);
    expect(accepted.json).toEqual({ accepted: 60 });
    const last = await feedback(b, rows[60]!.prediction_id, labels[60]! ? 1 : 0);
    expect(last.json).toEqual({ accepted: 1 });

    const m = await metricsOf(b);
    const expected = expectedCounts(scores, labels);
    const labelsTotal = (label: string, predicted: string) => m.value('ml_feedback_labels_total', { ...MODEL, label, predicted });
    expect(labelsTotal('positive', 'positive')).toBe(expected.confusion['pp']);
    expect(labelsTotal('positive', 'negative')).toBe(expected.confusion['pn']);
    expect(labelsTotal('negative', 'positive')).toBe(expected.confusion['np']);
    expect(labelsTotal('negative', 'negative')).toBe(expected.confusion['nn']);
    scoreBuckets.forEach((edge, b) => {
      const bucket = String(edge);
      expect(m.value('ml_feedback_bucket_labels_total', { ...MODEL, label: 'positive', bucket }), bucket).toBe(expected.pos[b]);
      expect(m.value('ml_feedback_bucket_labels_total', { ...MODEL, label: 'negative', bucket }), bucket).toBe(expected.neg[b]);
      expect(m.value('ml_feedback_positives_above_total', { ...MODEL, bucket }), bucket).toBe(expected.above[b]);
      expect(m.value('ml_feedback_bucket_score_sum_total', { ...MODEL, bucket })).toBeCloseTo(expected.scoreSum[b]!, 12);
    });
    expect(m.value('ml_feedback_squared_error_total', MODEL)).toBeCloseTo(expected.squared, 12);
    expect(m.value('ml_feedback_label_delay_seconds_count', MODEL)).toBe(61);
    expect(m.value('ml_feedback_label_delay_seconds_bucket', { ...MODEL, le: '60' })).toBe(61);
    expect(m.value('ml_feedback_total', { outcome: 'accepted' })).toBe(61);
    // Replica b predicted nothing; replica a was given no label.
    expect(m.value('ml_prediction_decisions_total', { ...MODEL, predicted: 'positive' })).toBe(0);
    const ma = await metricsOf(a);
    expect(ma.find('ml_feedback_labels_total').every((s) => s.value === 0)).toBe(true);
    expect(ma.value('ml_feedback_total', { outcome: 'accepted' })).toBe(0);
    // The prediction side (CBPE): decisions and summed scores on the replica that predicted.
    const positive = scores.filter((s) => s > decisionThreshold);
    expect(ma.value('ml_prediction_decisions_total', { ...MODEL, predicted: 'positive' })).toBe(positive.length);
    expect(ma.value('ml_prediction_decisions_total', { ...MODEL, predicted: 'negative' })).toBe(61 - positive.length);
    const sum = (xs: number[]) => xs.reduce((t, x) => t + x, 0);
    expect(ma.value('ml_prediction_expected_positives_total', { ...MODEL, predicted: 'positive' })).toBeCloseTo(sum(positive), 10);
    expect(ma.value('ml_prediction_expected_positives_total', { ...MODEL, predicted: 'negative' })).toBeCloseTo(
      sum(scores.filter((s) => s <= decisionThreshold)),
      10,
    );
  });

  it('the label delay is now minus the time in the id: two hours and 29 days land in their buckets', async () => {
    const service = await replica();
    const codec = codecOf(KEY_A);
    const now = nowSeconds();
    expect((await feedback(service, codec.issue(MODEL_ID, 0.3, now - 2 * 3600), 1)).status).toBe(200);
    expect((await feedback(service, codec.issue(MODEL_ID, 0.3, now - 29 * DAY), 0)).status).toBe(200);
    const m = await metricsOf(service);
    const le = (bound: string) => m.value('ml_feedback_label_delay_seconds_bucket', { ...MODEL, le: bound });
    expect(le('3600')).toBe(0);
    expect(le('21600')).toBe(1);
    expect(le('1209600')).toBe(1);
    expect(le('2592000')).toBe(2);
    const sum = m.value('ml_feedback_label_delay_seconds_sum', MODEL);
    expect(sum).toBeGreaterThanOrEqual(2 * 3600 + 29 * DAY);
    expect(sum).toBeLessThan(2 * 3600 + 29 * DAY + 60);
  });
});

describe('key rotation', () => {
  it('a replica holding the new key first and the old one second verifies both; one without the old key refuses its ids', async () => {
    const old = await replica({ FEEDBACK_KEYS: KEY_A });
    const dir = await mkdtemp(join(tmpdir(), 'feedback-keys-'));
    try {
      const file = join(dir, 'keys');
      await writeFile(file, `# new key first: it signs\n${KEY_B}\n\n# the old one, until the horizon has passed\n${KEY_A}\n`);
      const rotated = await replica({ FEEDBACK_KEYS: '', FEEDBACK_KEY_FILE: file });
      const onlyNew = await replica({ FEEDBACK_KEYS: KEY_B });
      const stranger = await replica({ FEEDBACK_KEYS: KEY_C });

      const oldId = (await postJson(`${old.url}/predict`, { features: {} })).json!['prediction_id'] as string;
      const newId = (await postJson(`${rotated.url}/predict`, { features: {} })).json!['prediction_id'] as string;
      expect(codecOf(KEY_B).verify(newId).ok).toBe(true);
      expect(codecOf(KEY_A).verify(newId).ok).toBe(false);

      expect((await feedback(rotated, oldId, 1)).status).toBe(200);
      expect((await feedback(rotated, newId, 0)).status).toBe(200);
      expect((await feedback(onlyNew, newId, 0)).status).toBe(200);
      // The old replica does not hold the new key yet; a replica with an unrelated key holds neither.
      for (const [service, id] of [
        [old, newId],
        [onlyNew, oldId],
        [stranger, oldId],
        [stranger, newId],
      ] as const) {
        const res = await feedback(service, id, 1);
        expect(res.status).toBe(422);
        expect(res.json).toMatchObject({ error: 'PREDICTION_ID_INVALID', field: 'prediction_id' });
      }
      expect((await metricsOf(stranger)).value('ml_feedback_total', { outcome: 'invalid' })).toBe(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('refused feedback', () => {
  it('a forged or altered id -> 422 PREDICTION_ID_INVALID: a character flipped in the key id, the signed block or the tag; a changed score with the old tag', async () => {
    const service = await replica();
    const id = (await postJson(`${service.url}/predict`, { features: {} })).json!['prediction_id'] as string;
    const bytes = Buffer.from(id.slice(PREDICTION_ID_PREFIX.length), 'base64url');
    bytes.writeFloatBE(0.99, 9); // the score, inside the signed block
    const rescored = PREDICTION_ID_PREFIX + bytes.toString('base64url');
    // Body characters: 0-6 version and key id, 7-27 the signed block, 28-49 the tag (6 bits each).
    for (const forged of [flip(id, 3), flip(id, 8), flip(id, 15), flip(id, 22), flip(id, 30), flip(id, 45), rescored]) {
      const res = await feedback(service, forged, 1);
      expect(res.status, forged).toBe(422);
      expect(res.json).toMatchObject({ error: 'PREDICTION_ID_INVALID', field: 'prediction_id' });
    }
    const m = await metricsOf(service);
    expect(m.value('ml_feedback_total', { outcome: 'invalid' })).toBe(7);
    expect(m.value('ml_requests_rejected_total', { reason: 'prediction_id_invalid' })).toBe(7);
    expect(m.find('ml_feedback_labels_total').every((s) => s.value === 0)).toBe(true);
    expect((await feedback(service, id, 1)).status).toBe(200);
  });

  it('an id older than the horizon -> 422 PREDICTION_ID_EXPIRED; one from more than 300 s ahead of the clock -> 422 PREDICTION_ID_INVALID', async () => {
    const service = await replica({ FEEDBACK_HORIZON_DAYS: '2' });
    const codec = codecOf(KEY_A);
    const now = nowSeconds();
    const expired = await feedback(service, codec.issue(MODEL_ID, 0.2, now - 2 * DAY - 120), 1);
    expect(expired.status).toBe(422);
    expect(expired.json).toMatchObject({ error: 'PREDICTION_ID_EXPIRED', field: 'prediction_id' });
    expect(expired.json!['message']).toContain('FEEDBACK_HORIZON_DAYS');
    expect((await feedback(service, codec.issue(MODEL_ID, 0.2, now - 2 * DAY + 120), 1)).status).toBe(200);
    const future = await feedback(service, codec.issue(MODEL_ID, 0.2, now + 400), 1);
    expect(future.status).toBe(422);
    expect(future.json).toMatchObject({ error: 'PREDICTION_ID_INVALID', field: 'prediction_id' });
    // Within the skew tolerance: accepted, its delay counted in the lowest bucket.
    expect((await feedback(service, codec.issue(MODEL_ID, 0.2, now + 200), 0)).status).toBe(200);
    const m = await metricsOf(service);
    expect(m.value('ml_feedback_total', { outcome: 'expired' })).toBe(1);
    expect(m.value('ml_feedback_total', { outcome: 'invalid' })).toBe(1);
    expect(m.value('ml_feedback_total', { outcome: 'accepted' })).toBe(2);
    expect(m.value('ml_feedback_label_delay_seconds_bucket', { ...MODEL, le: '60' })).toBe(1);
  });

  it('an authentic id of a model this replica has not loaded -> 422 PREDICTION_MODEL_NOT_LOADED', async () => {
    const service = await replica();
    const id = codecOf(KEY_A).issue(modelIdOf('fraud-detection', 'v0.9'), 0.4, nowSeconds());
    const res = await feedback(service, id, 1);
    expect(res.status).toBe(422);
    expect(res.json).toMatchObject({ error: 'PREDICTION_MODEL_NOT_LOADED', field: 'prediction_id' });
    expect(res.json!['message']).toContain('fraud-detection@v1.0');
    expect((await metricsOf(service)).value('ml_feedback_total', { outcome: 'model_not_loaded' })).toBe(1);
  });

  it('malformed ids -> 400 PREDICTION_ID_MALFORMED; a missing or non-string id, or an unknown field -> 400 VALIDATION_ERROR', async () => {
    const service = await replica();
    const id = (await postJson(`${service.url}/predict`, { features: {} })).json!['prediction_id'] as string;
    const body = id.slice(PREDICTION_ID_PREFIX.length);
    const malformed = [
      '',
      'p1.',
      id.slice(0, -1),
      `${id}A`,
      `p2.${body}`,
      `P1.${body}`,
      `p1.${body.slice(0, -1)}=`,
      `p1.${body.slice(0, -1)}+`,
      ` ${id.slice(1)}`,
      'x'.repeat(10_000),
      // Version byte 2; then last characters whose 4 spare bits are not 0 (a second spelling of an id).
      `p1.${Buffer.concat([Buffer.of(2), Buffer.from(body, 'base64url').subarray(1)]).toString('base64url')}`,
      `p1.${body.slice(0, -1)}${body.endsWith('B') ? 'C' : 'B'}`,
    ];
    for (const bad of malformed) {
      const res = await feedback(service, bad, 1);
      expect(res.status, bad.slice(0, 60)).toBe(400);
      expect(res.json).toMatchObject({ error: 'PREDICTION_ID_MALFORMED', field: 'prediction_id' });
      expect(Buffer.byteLength(res.text)).toBeLessThanOrEqual(MAX_ERROR_BODY_BYTES);
    }
    for (const [bad, field] of [
      [{ label: 1 }, 'prediction_id'],
      [{ prediction_id: 42, label: 1 }, 'prediction_id'],
      [{ prediction_id: null, label: 1 }, 'prediction_id'],
      [{ prediction_id: id, label: 1, model_name: 'fraud-detection' }, 'model_name'],
    ] as const) {
      const res = await postJson(`${service.url}/feedback`, bad);
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ error: 'VALIDATION_ERROR', field });
    }
    const notObject = await postJson(`${service.url}/feedback`, '[1]');
    expect(notObject.json).toMatchObject({ error: 'VALIDATION_ERROR' });
    expect((await metricsOf(service)).value('ml_feedback_total', { outcome: 'malformed' })).toBe(malformed.length + 4);
  });

  it('labels other than 0, 1, true and false -> 400 INVALID_LABEL naming label; nothing is counted', async () => {
    const service = await replica();
    const id = (await postJson(`${service.url}/predict`, { features: {} })).json!['prediction_id'] as string;
    const bad = [2, 'yes', null, '1', 'true', 0.5, -1, [], {}, [1], 1.0000001];
    for (const label of bad) {
      const res = await feedback(service, id, label);
      expect(res.status, JSON.stringify(label)).toBe(400);
      expect(res.json).toMatchObject({ error: 'INVALID_LABEL', field: 'label' });
    }
    const missing = await postJson(`${service.url}/feedback`, { prediction_id: id });
    expect(missing.json).toMatchObject({ error: 'INVALID_LABEL', field: 'label' });
    const m = await metricsOf(service);
    expect(m.value('ml_feedback_total', { outcome: 'invalid_label' })).toBe(bad.length + 1);
    expect(m.find('ml_feedback_labels_total').every((s) => s.value === 0)).toBe(true);
    expect(m.value('ml_feedback_label_delay_seconds_count', MODEL)).toBe(0);
  });

  it('a second label for the same id counts again: ids carry no state', async () => {
    const service = await replica();
    const id = (await postJson(`${service.url}/predict`, { features: {} })).json!['prediction_id'] as string;
    expect((await feedback(service, id, 1)).status).toBe(200);
    expect((await feedback(service, id, 1)).status).toBe(200);
    const m = await metricsOf(service);
    expect(m.find('ml_feedback_labels_total', { label: 'positive' }).reduce((t, s) => t + s.value, 0)).toBe(2);
  });
});

describe('POST /feedback/batch', () => {
  it('all or nothing: one bad item refuses the batch naming its field, and nothing is counted; the first bad item is the one named', async () => {
    const service = await replica();
    const rows = (await postJson(`${service.url}/predict/batch`, { instances: instances(6) })).json!['predictions'] as {
      prediction_id: string;
    }[];
    const good = rows.map((r, i) => ({ prediction_id: r.prediction_id, label: i % 2 }));
    const cases: [unknown[], string, ErrorCode][] = [
      [good.map((g, i) => (i === 3 ? { ...g, label: 'yes' } : g)), 'feedback[3].label', 'INVALID_LABEL'],
      [
        good.map((g, i) => (i === 5 ? { ...g, prediction_id: flip(g.prediction_id, 20) } : g)),
        'feedback[5].prediction_id',
        'PREDICTION_ID_INVALID',
      ],
      // Two bad items: the first one is named, whatever is wrong with the later one.
      [
        good.map((g, i) => (i === 1 ? { ...g, prediction_id: 'p1.nope' } : i === 2 ? 'not an object' : g)),
        'feedback[1].prediction_id',
        'PREDICTION_ID_MALFORMED',
      ],
      [good.map((g, i) => (i === 1 ? { ...g, label: null } : i === 4 ? { ...g, extra: 1 } : g)), 'feedback[1].label', 'INVALID_LABEL'],
      [good.map((g, i) => (i === 0 ? 7 : g)), 'feedback[0]', 'VALIDATION_ERROR'],
    ];
    for (const [items, field, code] of cases) {
      const res = await postJson(`${service.url}/feedback/batch`, { feedback: items });
      expect(res.status, field).toBe(ERROR_STATUS[code]);
      expect(res.json).toMatchObject({ error: code, field });
    }
    let m = await metricsOf(service);
    expect(m.find('ml_feedback_labels_total').every((s) => s.value === 0)).toBe(true);
    expect(m.value('ml_feedback_total', { outcome: 'accepted' })).toBe(0);
    expect(m.value('ml_feedback_label_delay_seconds_count', MODEL)).toBe(0);

    const res = await postJson(`${service.url}/feedback/batch`, { feedback: good });
    expect(res.json).toEqual({ accepted: 6 });
    m = await metricsOf(service);
    expect(m.find('ml_feedback_labels_total').reduce((t, s) => t + s.value, 0)).toBe(6);
    expect(m.value('ml_feedback_total', { outcome: 'accepted' })).toBe(6);
  });

  it('an empty batch -> 400 EMPTY_BATCH, more than MAX_BATCH_SIZE items -> 413 BATCH_TOO_LARGE, a bad envelope -> 400 VALIDATION_ERROR', async () => {
    const service = await replica({ MAX_BATCH_SIZE: '3' });
    const empty = await postJson(`${service.url}/feedback/batch`, { feedback: [] });
    expect(empty.status).toBe(400);
    expect(empty.json).toMatchObject({ error: 'EMPTY_BATCH', field: 'feedback' });
    const item = { prediction_id: 'p1.x', label: 1 };
    const large = await postJson(`${service.url}/feedback/batch`, { feedback: [item, item, item, item] });
    expect(large.status).toBe(413);
    expect(large.json).toMatchObject({ error: 'BATCH_TOO_LARGE', field: 'feedback' });
    for (const body of [{}, { feedback: item }, { feedback: [item], more: 1 }]) {
      const res = await postJson(`${service.url}/feedback/batch`, body);
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ error: 'VALIDATION_ERROR' });
    }
  });
});

describe('no input creates a series', () => {
  it('2,000 random ids and labels: never a 500, always a catalogue 4xx within the size bound, and no new series', async () => {
    const codec = codecOf(KEY_A);
    const good = codec.issue(MODEL_ID, 0.25, nowSeconds());
    const anyId = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc
        .string({
          unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'),
          minLength: 50,
          maxLength: 50,
        })
        .map((s) => PREDICTION_ID_PREFIX + s),
      // Authentic ids of models no replica has, scores out of range, times anywhere.
      fc
        .tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.double(), fc.integer({ min: 0, max: 0xffffffff }))
        .map(([modelId, score, at]) => codec.issue(modelId, score, at)),
      fc.jsonValue({ maxDepth: 1 }),
    );
    const anyLabel = fc.oneof(fc.jsonValue({ maxDepth: 1 }), fc.constantFrom(0, 1, true, false));
    const bodies = fc.sample(
      fc.oneof(
        fc.record({ prediction_id: anyId, label: anyLabel }),
        fc.record({
          prediction_id: fc.constant(good),
          label: fc.jsonValue({ maxDepth: 1 }).filter((l) => ![0, 1, true, false].includes(l as never)),
        }),
        fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
      ),
      { numRuns: 2000, seed: 11 },
    );
    // Generated before the app starts: the generation blocks the event loop long enough for load
    // shedding to answer 503 right after it.
    const service = await replica();
    const send = async (body: unknown) => {
      const res = await postJson(`${service.url}/feedback`, body);
      expect(res.status, JSON.stringify(body).slice(0, 200)).not.toBe(500);
      if (res.status !== 200) {
        const code = res.json!['error'] as ErrorCode;
        expect(ERROR_STATUS[code], res.text).toBe(res.status);
        expect(Buffer.byteLength(res.text)).toBeLessThanOrEqual(MAX_ERROR_BODY_BYTES);
      }
      return res.status;
    };
    // One of each status first, so every legitimate series (status 400 and 422 of /feedback) exists.
    await send({ prediction_id: good, label: 1 });
    await send({ prediction_id: 'p1.x', label: 1 });
    await send({ prediction_id: codec.issue(1, 0.5, nowSeconds()), label: 1 });
    await fetch(`${service.url}/metrics`); // the first scrape's own http series
    const fromRequests = (ids: Set<string>) => new Set([...ids].filter((id) => !id.startsWith('nodejs_gc_')));
    const before = fromRequests((await metricsOf(service)).seriesIds());
    const statuses = new Set<number>();
    for (const body of bodies) statuses.add(await send(body));
    const after = fromRequests((await metricsOf(service)).seriesIds());
    expect([...after].filter((id) => !before.has(id))).toEqual([]);
    expect(after.size).toBe(before.size);
    expect([...statuses].sort()).toEqual([400, 422]);
  });
});

describe('startup, keys and logs', () => {
  it('without keys: one startup warning, and ids verify on this process only', async () => {
    const logs = captureLogs();
    const alone = await replica({ FEEDBACK_KEYS: '', LOG_LEVEL: 'info' }, { logStream: logs.stream });
    const other = await replica({ FEEDBACK_KEYS: '' });
    const warnings = logs.lines().filter((l) => l['level'] === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!['msg']).toContain('FEEDBACK_KEYS');
    const id = (await postJson(`${alone.url}/predict`, { features: {} })).json!['prediction_id'] as string;
    expect((await feedback(alone, id, 1)).status).toBe(200);
    expect((await feedback(other, id, 1)).json).toMatchObject({ error: 'PREDICTION_ID_INVALID' });
  });

  it('with keys: no warning; prediction_completed carries the prediction_id; no key material in any line', async () => {
    const logs = captureLogs();
    const service = await replica({ FEEDBACK_KEYS: `${KEY_B},${KEY_A}`, LOG_LEVEL: 'trace' }, { logStream: logs.stream });
    const single = await postJson(`${service.url}/predict`, { features: {} }, { 'x-request-id': 'with-id' });
    const id = single.json!['prediction_id'] as string;
    await feedback(service, id, 1);
    await feedback(service, `${id.slice(0, -2)}AA`, 1);
    await postJson(`${service.url}/feedback/batch`, { feedback: [{ prediction_id: id, label: 'x' }] });
    const lines = logs.lines();
    expect(lines.filter((l) => l['level'] === 'warn')).toEqual([]);
    const completed = lines.find((l) => l['msg'] === 'prediction_completed' && l['request_id'] === 'with-id')!;
    expect(completed['prediction_id']).toBe(id);
    const text = logs.raw.join('');
    for (const key of [KEY_A, KEY_B]) {
      expect(text).not.toContain(key);
      expect(text).not.toContain(Buffer.from(key, 'base64').toString('hex'));
      expect(text).not.toContain(key.slice(0, 16));
    }
  });
});

describe('reference gauges', () => {
  /** The real model with the performance settings given. */
  const withPerformance = (real: ModelRegistry, performance: ModelPerformance): ModelRegistry => {
    const wrap = (m: LoadedModel): LoadedModel => ({ ...m, performance });
    const models = new Map(real.list().map((m) => [`${m.name}@${m.version}`, wrap(m)]));
    return { ...real, get: (n, v) => models.get(`${n}@${v}`), list: () => [...models.values()] };
  };
  const alerting = { minLabels: 500, minPositives: 20, margins: { rocAuc: 0.04, precision: 0.08, recall: 0.09, f1: 0.07 } };

  it('a model with a reference exports its threshold, reference figures, margins and minimums; its buckets label the series', async () => {
    const reference = {
      rows: 20_000,
      rocAuc: 0.92,
      precision: 0.41,
      recall: 0.37,
      f1: 0.39,
      positiveRate: 0.021,
      predictedPositiveRate: 0.019,
      brier: 0.018,
      ece: 0.004,
    };
    // Exact in float32 and in double, so that a score can sit exactly on the threshold and an edge.
    const buckets = [0.01, 0.1, 0.375, 1];
    const service = await replica(
      {},
      { registry: withPerformance(registry, { decisionThreshold: 0.375, scoreBuckets: buckets, reference, alerting }) },
    );
    const m = await metricsOf(service);
    expect(m.value('ml_model_decision_threshold', MODEL)).toBe(0.375);
    const figures = { roc_auc: 0.92, precision: 0.41, recall: 0.37, f1: 0.39, positive_rate: 0.021, brier: 0.018, ece: 0.004 };
    expect(Object.fromEntries(m.find('ml_model_reference_performance', MODEL).map((s) => [s.labels['metric'], s.value]))).toEqual(figures);
    expect(Object.fromEntries(m.find('ml_model_performance_margin', MODEL).map((s) => [s.labels['metric'], s.value]))).toEqual({
      roc_auc: 0.04,
      precision: 0.08,
      recall: 0.09,
      f1: 0.07,
    });
    expect(m.value('ml_model_performance_min_labels', MODEL)).toBe(500);
    expect(m.value('ml_model_performance_min_positives', MODEL)).toBe(20);
    expect(m.find('ml_feedback_positives_above_total', MODEL).map((s) => s.labels['bucket'])).toEqual(['0.01', '0.1', '0.375', '1']);
    expect(m.find('ml_feedback_bucket_labels_total', MODEL)).toHaveLength(8);

    // A score exactly on an edge is in that edge's bucket; the threshold is exclusive (score > threshold).
    const codec = codecOf(KEY_A);
    expect((await feedback(service, codec.issue(MODEL_ID, 0.375, nowSeconds()), true)).status).toBe(200);
    const after = await metricsOf(service);
    expect(after.value('ml_feedback_bucket_labels_total', { ...MODEL, label: 'positive', bucket: '0.375' })).toBe(1);
    expect(after.value('ml_feedback_labels_total', { ...MODEL, label: 'positive', predicted: 'negative' })).toBe(1);
    expect(after.value('ml_feedback_positives_above_total', { ...MODEL, bucket: '0.1' })).toBe(1);
    expect(after.value('ml_feedback_positives_above_total', { ...MODEL, bucket: '0.375' })).toBe(0);
  });

  it('a model without a reference exports its threshold only', async () => {
    const service = await replica(
      {},
      { registry: withPerformance(registry, { decisionThreshold: 0.5, scoreBuckets: [0.5, 1], alerting }) },
    );
    const m = await metricsOf(service);
    expect(m.value('ml_model_decision_threshold', MODEL)).toBe(0.5);
    for (const name of [
      'ml_model_reference_performance',
      'ml_model_performance_margin',
      'ml_model_performance_min_labels',
      'ml_model_performance_min_positives',
    ]) {
      expect(m.find(name), name).toEqual([]);
    }
  });
});
