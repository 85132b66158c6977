import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startApp, type RunningApp } from '../helpers/app.js';
import { DRIFT_ENV, embeddedReferenceRows, sendRows, startWithDriftJob, type ReferenceRow } from '../helpers/drift-traffic.js';
import { parseElements } from '../helpers/html.js';

/**
 * GET /drift/{model}/{version}/report: the latest evaluation as a self-contained HTML page,
 * rendered in a worker from the distributions of the same window snapshot.
 */

const REPORT = '/drift/fraud-detection/v1.0/report';

let reference: ReferenceRow[];
beforeAll(async () => {
  reference = await embeddedReferenceRows();
});

/** `count` reference rows from `start` as /predict/batch requests; the answers' predictions. */
const send = (service: RunningApp, start: number, count: number, shift?: string) => sendRows(service, reference, start, count, shift);

const cellsOfRow = (html: string, heading: string) => {
  const elements = parseElements(html);
  const th = elements.findIndex((el) => el.tag === 'th' && el.text === heading);
  return elements.slice(th + 1, th + 4).map((el) => el.text);
};

describe('GET /drift/{model}/{version}/report', () => {
  let service: RunningApp | undefined;
  afterEach(async () => {
    await service?.close();
    service = undefined;
  });

  it('before the first evaluation -> 503 JSON saying when one runs; an unknown model or version -> 404 naming what is loaded', async () => {
    service = await startApp(DRIFT_ENV);
    const pending = await fetch(`${service.url}${REPORT}`);
    expect(pending.status).toBe(503);
    expect(((await pending.json()) as { message: string }).message).toMatch(/every 3600 s \(DRIFT_INTERVAL_SECONDS\)/);
    for (const path of ['/drift/no-such-model/v1.0/report', '/drift/fraud-detection/v9/report', '/drift/%3Cscript%3E/v1.0/report']) {
      const unknown = await fetch(`${service.url}${path}`);
      expect(unknown.status, path).toBe(404);
      const body = (await unknown.json()) as { error: string; message: string };
      expect(body).toMatchObject({ error: 'MODEL_NOT_FOUND', message: expect.stringContaining('fraud-detection@v1.0') });
    }
  });

  it('amount shifted: an HTML page with a strict CSP, the drifted feature first, one chart per feature and the score, from the same evaluation as GET /drift; cached until the next one', async () => {
    const started = await startWithDriftJob();
    service = started.service;
    await send(service, 0, 400, 'amount:*3');
    await started.runNow();

    const json = (await (await fetch(`${service.url}/drift/fraud-detection/v1.0`)).json()) as {
      evaluated_at: string;
      drifted_features: string[];
    };
    expect(json.drifted_features).toContain('amount');

    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const started_at = performance.now();
    const res = await fetch(`${service.url}${REPORT}`);
    const html = await res.text();
    const elapsed = performance.now() - started_at;
    delay.disable();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    // Vega loads and renders in the report worker: the event loop that answers requests is never
    // held for the render (a first render, worker start included, takes most of a second or more).
    const maxDelayMs = delay.max / 1e6;
    console.info(
      `report: first render ${elapsed.toFixed(0)} ms, ${html.length} bytes; max event-loop delay meanwhile ${maxDelayMs.toFixed(1)} ms`,
    );
    expect(maxDelayMs).toBeLessThan(elapsed / 2);

    const elements = parseElements(html);
    const articles = elements.filter((el) => el.tag === 'article');
    const names = service.app.registry.get('fraud-detection', 'v1.0')!.schema.names;
    expect(articles.map((a) => a.attrs.get('data-column')).sort()).toEqual([...names, 'prediction score'].sort());
    expect(articles[0]!.attrs.get('data-column')).toBe('amount');
    expect(articles[0]!.attrs.get('data-drifted')).toBe('true');
    // One chart per feature, one for the score, one for calibration (the model has performance.json).
    const charts = elements.filter((el) => el.tag === 'svg');
    expect(charts).toHaveLength(names.length + 2);
    expect(elements.some((el) => el.tag === 'script')).toBe(false);
    // The window the evaluation used: its evaluation time and its 400 rows.
    expect(html).toContain(json.evaluated_at);
    expect(html).toContain('the last 400 scored rows');

    const again = await (await fetch(`${service.url}${REPORT}`)).text();
    expect(again).toBe(html);
    await send(service, 400, 400);
    await started.runNow();
    const next = await (await fetch(`${service.url}${REPORT}`)).text();
    expect(next).not.toBe(html);
    expect(
      parseElements(next)
        .find((el) => el.tag === 'article')!
        .attrs.get('data-drifted'),
    ).toBe('false');
  });

  it('labels sent to this replica -> the performance section shows their count and the realised precision and recall at the threshold', async () => {
    const started = await startWithDriftJob();
    service = started.service;
    const predictions = await send(service, 0, 300);
    const threshold = service.app.registry.get('fraud-detection', 'v1.0')!.performance.decisionThreshold;
    // Labels: the first 120 predictions labelled positive when their index is even.
    const labelled = predictions.slice(0, 120).map((p, i) => ({ ...p, positive: i % 2 === 0 }));
    const res = await postJson(`${service.url}/feedback/batch`, {
      feedback: labelled.map((p) => ({ prediction_id: p.prediction_id, label: p.positive ? 1 : 0 })),
    });
    expect(res.status).toBe(200);
    await started.runNow();

    const html = await (await fetch(`${service.url}${REPORT}`)).text();
    expect(html).toContain('120 labels, 60 positive');
    const tp = labelled.filter((p) => p.positive && p.prediction > threshold).length;
    const fp = labelled.filter((p) => !p.positive && p.prediction > threshold).length;
    const [, precision] = cellsOfRow(html, 'precision');
    const [, recall] = cellsOfRow(html, 'recall');
    expect(precision).toBe(
      tp + fp === 0
        ? '–'
        : (tp / (tp + fp))
            .toFixed(4)
            .replace(/^1\.0000$/, '1')
            .replace(/^0\.0000$/, '0'),
    );
    expect(recall).toBe(tp === 0 ? '0' : (tp / 60).toFixed(4));
  });
});
