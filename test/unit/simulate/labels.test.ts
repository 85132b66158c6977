import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PACKAGED_MODELS_DIR } from '../../../src/config/index.js';
import {
  asTransaction,
  createLabelPlanner,
  createLabelSender,
  parseLabelDelay,
  PendingLabels,
  trueProbability,
  type LabelRecord,
  type PendingLabel,
} from '../../../scripts/simulate/labels.js';
import { applyShifts, loadReferenceRows, parseShift } from '../../../scripts/simulate/traffic.js';
import { conceptDriftedFraudProbability, fraudProbability, type Transaction } from '../../../scripts/train/synthetic-transactions.js';
import { poll } from '../../helpers/poll.js';

const rows = await loadReferenceRows(PACKAGED_MODELS_DIR, 'fraud-detection', 'v1.0');

describe('parseLabelDelay', () => {
  it('seconds, with an optional unit, are a fixed delay; exp:MEAN an exponential one', () => {
    expect(parseLabelDelay('0')).toEqual({ kind: 'fixed', seconds: 0 });
    expect(parseLabelDelay('2.5')).toEqual({ kind: 'fixed', seconds: 2.5 });
    expect(parseLabelDelay('30s')).toEqual({ kind: 'fixed', seconds: 30 });
    expect(parseLabelDelay('10m')).toEqual({ kind: 'fixed', seconds: 600 });
    expect(parseLabelDelay('1d')).toEqual({ kind: 'fixed', seconds: 86_400 });
    expect(parseLabelDelay('exp:30')).toEqual({ kind: 'exponential', meanSeconds: 30 });
    expect(parseLabelDelay('exp:2h')).toEqual({ kind: 'exponential', meanSeconds: 7200 });
  });

  it('anything else, and an exponential of mean 0 -> an error showing the syntax', () => {
    for (const bad of ['', '-1', 'soon', '1w', 'exp:', 'exp:-3', 'exp:0', '3 s', 'exp30'])
      expect(() => parseLabelDelay(bad), bad).toThrow(/--label-delay .*exp:MEAN|positive mean/);
  });
});

describe('true probability of a row', () => {
  it('is the generating process true or concept-drifted probability of the row as sent (after a shift)', () => {
    const row = rows[0]!;
    expect(trueProbability(row, false)).toBe(fraudProbability(row as unknown as Transaction));
    expect(trueProbability(row, true)).toBe(conceptDriftedFraudProbability(row as unknown as Transaction));
    const shifted = applyShifts(row, [parseShift('ratio_to_median_purchase:*4')]);
    expect(trueProbability(shifted, false)).toBeGreaterThan(trueProbability(row, false));
    // The concept-drifted relationship ignores the amount ratio.
    expect(trueProbability(shifted, true)).toBe(trueProbability(row, true));
  });

  it('a row the generating process cannot label (unknown category, missing or non-numeric value) -> an error naming the feature', () => {
    expect(() => asTransaction({ ...rows[0]!, merchant_category: 'crypto' })).toThrow(/merchant_category is "crypto", not one of grocery/);
    const { hour: _hour, ...withoutHour } = rows[0]!;
    expect(() => asTransaction(withoutHour)).toThrow(/hour is undefined, not a number/);
    expect(() => asTransaction({ ...rows[0]!, amount: 'many' })).toThrow(/amount is "many"/);
  });
});

describe('createLabelPlanner', () => {
  const planAll = (share: number, seed: number, conceptDrift = false, delay = parseLabelDelay('exp:30')) => {
    const plan = createLabelPlanner({ share, delay, conceptDrift }, seed);
    return rows.map((row) => plan(row));
  };

  it('the same seed -> the same labels and delays; another seed -> others', () => {
    expect(planAll(0.7, 3)).toEqual(planAll(0.7, 3));
    expect(planAll(0.7, 4)).not.toEqual(planAll(0.7, 3));
  });

  it('a smaller share labels a subset of the rows a larger one labels, with the same labels and delays', () => {
    const all = planAll(1, 9);
    const some = planAll(0.3, 9);
    expect(all.every((p) => p !== undefined)).toBe(true);
    const labelled = some.filter((p) => p !== undefined).length;
    // Binomial(5000, 0.3): sd 32.
    expect(Math.abs(labelled - 0.3 * rows.length)).toBeLessThan(4 * 32.4);
    some.forEach((p, i) => {
      if (p !== undefined) expect(p).toEqual(all[i]);
    });
    expect(planAll(0, 9).every((p) => p === undefined)).toBe(true);
  });

  it('labels are Bernoulli draws with the row probability: positives within 4 sd of the summed probabilities, for both relationships', () => {
    for (const conceptDrift of [false, true]) {
      const plans = planAll(1, 11, conceptDrift);
      const expected = plans.reduce((s, p) => s + p!.probability, 0);
      const variance = plans.reduce((s, p) => s + p!.probability * (1 - p!.probability), 0);
      const positives = plans.filter((p) => p!.positive).length;
      expect(Math.abs(positives - expected), `conceptDrift ${conceptDrift}`).toBeLessThan(4 * Math.sqrt(variance));
      plans.forEach((p, i) => expect(p!.probability).toBe(trueProbability(rows[i]!, conceptDrift)));
    }
  });

  it('delays: a fixed one is that; exp:30 has mean 30 (within 4 standard errors) and no negative draw', () => {
    expect(planAll(1, 5, false, parseLabelDelay('7')).every((p) => p!.delaySeconds === 7)).toBe(true);
    const delays = planAll(1, 5).map((p) => p!.delaySeconds);
    const mean = delays.reduce((s, d) => s + d, 0) / delays.length;
    expect(Math.abs(mean - 30)).toBeLessThan((4 * 30) / Math.sqrt(delays.length));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
  });
});

const label = (dueAt: number, i = dueAt): PendingLabel => ({
  predictionId: `p${i}`,
  positive: i % 2 === 0,
  score: 0.5,
  probability: 0.5,
  delaySeconds: 0,
  dueAt,
});

describe('PendingLabels', () => {
  it('gives the due labels earliest first, at most `max` at a time, and keeps the others', () => {
    const queue = new PendingLabels(100);
    const dues = [50, 10, 40, 30, 20, 60, 15, 5];
    for (const due of dues) expect(queue.push(label(due))).toBe(true);
    expect(queue.nextDue).toBe(5);
    expect(queue.popDue(35, 3).map((l) => l.dueAt)).toEqual([5, 10, 15]);
    expect(queue.popDue(35, 10).map((l) => l.dueAt)).toEqual([20, 30]);
    expect(queue.popDue(35, 10)).toEqual([]);
    expect(queue.size).toBe(3);
    expect(queue.popDue(Infinity, 10).map((l) => l.dueAt)).toEqual([40, 50, 60]);
    expect(queue.nextDue).toBeUndefined();
  });

  it('is bounded: past its limit a push is refused', () => {
    const queue = new PendingLabels(2);
    expect(queue.push(label(1))).toBe(true);
    expect(queue.push(label(2))).toBe(true);
    expect(queue.push(label(3))).toBe(false);
    expect(queue.size).toBe(2);
  });

  it('any order of pushes comes out sorted', () => {
    const queue = new PendingLabels(1000);
    const dues = Array.from({ length: 500 }, (_, i) => (i * 7919) % 997);
    dues.forEach((d, i) => queue.push(label(d, i)));
    expect(queue.popDue(Infinity, 1000).map((l) => l.dueAt)).toEqual([...dues].sort((a, b) => a - b));
  });
});

describe('createLabelSender', () => {
  const servers: { close: () => void }[] = [];
  afterEach(() => servers.splice(0).forEach((s) => s.close()));

  /** A stand-in for POST /feedback/batch: records each request's items and when it came. */
  async function feedbackServer(status = 200) {
    const requests: { at: number; items: { prediction_id: string; label: number }[] }[] = [];
    const server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        requests.push({ at: performance.now(), items: (JSON.parse(body) as { feedback: [] }).feedback });
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: 0 }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
  }

  it('sends each label once it is due, those due together in one request of at most batchSize, and reports them', async () => {
    const { url, requests } = await feedbackServer();
    const answered: { labels: readonly LabelRecord[]; status: string }[] = [];
    const sender = createLabelSender(url, {
      queueLimit: 1000,
      batchSize: 40,
      onLabels: (labels, status) => answered.push({ labels, status }),
    });
    const start = performance.now();
    for (let i = 0; i < 100; i++) sender.add(label(start, i));
    for (let i = 100; i < 110; i++) sender.add(label(start + 400, i));
    await sender.drain();
    sender.close();
    const sizes = requests.map((r) => r.items.length);
    expect(sizes.slice(0, 3)).toEqual([40, 40, 20]);
    expect(sizes.slice(3).reduce((s, n) => s + n, 0)).toBe(10);
    // The later ten were not sent before they were due.
    for (const r of requests.slice(3)) expect(r.at).toBeGreaterThanOrEqual(start + 400);
    const ids = requests.flatMap((r) => r.items.map((item) => item.prediction_id));
    expect(new Set(ids).size).toBe(110);
    expect(requests[0]!.items[0]).toEqual({ prediction_id: 'p0', label: 1 });
    expect(requests[0]!.items[1]).toEqual({ prediction_id: 'p1', label: 0 });
    expect(sender.stats).toMatchObject({
      queued: 110,
      sent: 110,
      accepted: 110,
      positives: 55,
      dropped: 0,
      unsent: 0,
      statuses: { 200: sizes.length },
    });
    expect(answered.flatMap((a) => a.labels)).toHaveLength(110);
  });

  it('a refused batch counts as sent, not accepted, under its status', async () => {
    const { url } = await feedbackServer(422);
    const sender = createLabelSender(url, { queueLimit: 10, batchSize: 10 });
    for (let i = 0; i < 3; i++) sender.add(label(performance.now(), i));
    await sender.drain();
    sender.close();
    expect(sender.stats).toMatchObject({ sent: 3, accepted: 0, statuses: { 422: 1 } });
  });

  it('a full queue drops (and counts) the label; stopping reports what was never sent', async () => {
    const { url, requests } = await feedbackServer();
    const sender = createLabelSender(url, { queueLimit: 5, batchSize: 10 });
    const later = performance.now() + 60_000;
    for (let i = 0; i < 8; i++) sender.add(label(later, i));
    expect(sender.stats).toMatchObject({ queued: 5, dropped: 3 });
    const stop = new AbortController();
    const drained = sender.drain(stop.signal);
    await poll(() => sender.pending === 5, { deadlineMs: 1000, what: 'five labels pending' });
    stop.abort();
    await drained;
    sender.close();
    expect(sender.stats.unsent).toBe(5);
    expect(requests).toEqual([]);
  });
});
