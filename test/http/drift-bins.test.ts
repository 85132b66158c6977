import { afterEach, describe, expect, it } from 'vitest';
import { postJson, startApp, type RunningApp } from '../helpers/app.js';
import { parseExposition, type Exposition } from '../helpers/exposition.js';

/**
 * The fleet drift bins as a replica exports them: ml_drift_bin_rows_total counts every scored row
 * (single and batch) in the bin of each feature, ml_drift_reference_bin_ratio and
 * ml_drift_bin_upper_edge describe the bins. The expected bin of a value is found here from the
 * exported upper edges, not from the service's own binning code.
 */

const MODEL = { model_name: 'fraud-detection', model_version: 'v1.0' };
const NUMERIC = [
  'amount',
  'age',
  'hour',
  'distance_from_home_km',
  'distance_from_last_transaction_km',
  'transactions_last_24h',
  'account_age_days',
  'ratio_to_median_purchase',
  'is_online',
  'used_pin',
];
const CATEGORIES: Record<string, string[]> = {
  merchant_category: [
    'grocery',
    'gas_transport',
    'restaurant',
    'retail',
    'online_retail',
    'entertainment',
    'health',
    'travel',
    'electronics',
  ],
  card_type: ['credit', 'debit', 'prepaid'],
};

const scrape = async (url: string) => parseExposition(await (await fetch(`${url}/metrics`)).text());

/** The bin of a float32 value of a numeric feature, from the exported upper edges: the first bin whose edge is >= value. */
function expectedBin(metrics: Exposition, feature: string, value: number): string {
  const edges = metrics
    .find('ml_drift_bin_upper_edge', { ...MODEL, feature_name: feature })
    .map((s) => ({ bin: s.labels['bin']!, edge: s.value }))
    .sort((a, b) => a.edge - b.edge);
  const last = metrics.find('ml_drift_bin_rows_total', { ...MODEL, feature_name: feature }).at(-2)!.labels['bin']!;
  return edges.find((e) => Math.fround(value) <= e.edge)?.bin ?? last;
}

const binRows = (metrics: Exposition, feature: string) =>
  Object.fromEntries(metrics.find('ml_drift_bin_rows_total', { ...MODEL, feature_name: feature }).map((s) => [s.labels['bin']!, s.value]));

describe('fleet drift bins (ml_drift_bin_rows_total)', () => {
  let service: RunningApp | undefined;
  afterEach(() => service?.close());

  it('every bin series exists at startup, at 0; reference ratios of the value bins sum to 1; numeric bins have increasing finite upper edges, the last bin open', async () => {
    service = await startApp();
    const metrics = await scrape(service.url);
    for (const feature of NUMERIC) {
      const rows = binRows(metrics, feature);
      expect(Object.keys(rows).at(-1), feature).toBe('missing');
      expect(Object.values(rows).every((v) => v === 0)).toBe(true);
      const edges = metrics.find('ml_drift_bin_upper_edge', { ...MODEL, feature_name: feature }).map((s) => s.value);
      // Every value bin but the last (open) one, not the missing bin.
      expect(edges.length, feature).toBe(Object.keys(rows).length - 2);
      expect(edges.every(Number.isFinite)).toBe(true);
      for (let k = 1; k < edges.length; k++) expect(edges[k]!).toBeGreaterThan(edges[k - 1]!);
    }
    for (const [feature, categories] of Object.entries(CATEGORIES)) {
      expect(Object.keys(binRows(metrics, feature))).toEqual([...categories, 'unseen', 'missing']);
      expect(metrics.find('ml_drift_bin_upper_edge', { feature_name: feature })).toEqual([]);
    }
    for (const feature of [...NUMERIC, ...Object.keys(CATEGORIES)]) {
      const ratios = metrics.find('ml_drift_reference_bin_ratio', { ...MODEL, feature_name: feature });
      const values = ratios.filter((s) => s.labels['bin'] !== 'missing').reduce((sum, s) => sum + s.value, 0);
      expect(values, feature).toBeCloseTo(1, 12);
      // The embedded reference has no missing cells.
      expect(ratios.find((s) => s.labels['bin'] === 'missing')!.value).toBe(0);
    }
  });

  it('POST /predict and /predict/batch count each scored row once per feature; omitted features count as missing; refused requests count nothing', async () => {
    service = await startApp();
    const before = await scrape(service.url);
    const single = await postJson(`${service.url}/predict`, { features: { amount: 19.207999, merchant_category: 'travel' } });
    expect(single.status).toBe(200);
    const batch = await postJson(`${service.url}/predict/batch`, {
      instances: [
        { amount: 5000, age: 30, card_type: 'prepaid' },
        { amount: 33.3, merchant_category: 'travel', card_type: 'debit' },
      ],
    });
    expect(batch.status).toBe(200);
    // Refused: an unknown category, a value of the wrong type, an unknown model.
    expect((await postJson(`${service.url}/predict`, { features: { merchant_category: 'casino' } })).status).toBe(400);
    expect((await postJson(`${service.url}/predict/batch`, { instances: [{ amount: 1 }, { amount: 'x' }] })).status).toBe(400);
    expect((await postJson(`${service.url}/predict`, { features: { amount: 1 }, model_name: 'nope' })).status).toBe(404);

    const after = await scrape(service.url);
    const amount = binRows(after, 'amount');
    const expected: Record<string, number> = Object.fromEntries(Object.keys(amount).map((bin) => [bin, 0]));
    for (const value of [19.207999, 5000, 33.3]) expected[expectedBin(before, 'amount', value)]!++;
    expect(amount).toEqual(expected);
    expect(binRows(after, 'age')).toMatchObject({ [expectedBin(before, 'age', 30)]: 1, missing: 2 });
    expect(binRows(after, 'merchant_category')).toMatchObject({ travel: 2, missing: 1, unseen: 0, grocery: 0 });
    expect(binRows(after, 'card_type')).toEqual({ credit: 0, debit: 1, prepaid: 1, unseen: 0, missing: 1 });
    for (const feature of [...NUMERIC, ...Object.keys(CATEGORIES)]) {
      expect(
        Object.values(binRows(after, feature)).reduce((a, b) => a + b, 0),
        feature,
      ).toBe(3);
    }
    expect(after.value('ml_predictions_total', { ...MODEL, status: 'success' })).toBe(3);
  });

  it('DRIFT_ENABLED=false: no bin series at all (drift monitoring is off)', async () => {
    service = await startApp({ DRIFT_ENABLED: 'false' });
    expect((await postJson(`${service.url}/predict`, { features: { amount: 10 } })).status).toBe(200);
    const metrics = await scrape(service.url);
    expect(metrics.samples.filter((s) => /^ml_drift_(bin|reference)/.test(s.name))).toEqual([]);
    expect(metrics.value('ml_predictions_total', { ...MODEL, status: 'success' })).toBe(1);
  });
});
