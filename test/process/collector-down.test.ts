import { afterEach, describe, expect, it } from 'vitest';
import { startOtlpReceiver } from '../helpers/otlp-receiver.js';
import { poll } from '../helpers/poll.js';
import { freePort } from '../helpers/loopback-binary.js';
import { spawnServer, type ServerProcess } from '../helpers/process.js';

function metricValue(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  if (!line) throw new Error(`no series ${series}`);
  return Number(line.slice(series.length + 1));
}

describe('collector down', () => {
  let server: ServerProcess | undefined;
  afterEach(() => {
    server?.child.kill('SIGKILL');
    server = undefined;
  });

  it('1,000 traced requests all succeed; all 5,000 spans are counted as failed or dropped; warnings stay few and without stacks', async () => {
    const port = await freePort();
    server = await spawnServer(
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
        OTEL_TRACES_SAMPLER_ARG: '1',
        OTEL_BSP_SCHEDULE_DELAY: '20',
        OTEL_BSP_MAX_QUEUE_SIZE: '64',
        OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '32',
        OTEL_EXPORTER_OTLP_TIMEOUT: '500',
      },
      { traced: true },
    );
    // The warm-up fails fast (connection refused) and must not keep the service unready.
    await poll(async () => (await fetch(`${server!.url}/ready`)).status === 200, { deadlineMs: 10_000, what: '/ready 200', intervalMs: 0 });

    const body = JSON.stringify({ features: { amount: 100, age: 35 } });
    const statuses: number[] = [];
    for (let batch = 0; batch < 100; batch++) {
      const responses = await Promise.all(
        Array.from({ length: 10 }, () =>
          fetch(`${server!.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }),
        ),
      );
      for (const r of responses) {
        statuses.push(r.status);
        await r.arrayBuffer();
      }
    }
    expect(statuses).toHaveLength(1000);
    expect(statuses.every((s) => s === 200)).toBe(true);

    // Every span (5 per request) ends up exported, failed or dropped: nothing accumulates.
    await server.waitForLog((l) => String(l.msg).startsWith('span export failed'), 'an export failure warning');
    let metrics = '';
    let accounted = 0;
    await poll(
      async () => {
        metrics = await (await fetch(`${server!.url}/metrics`)).text();
        accounted =
          metricValue(metrics, 'ml_otel_spans_total{outcome="failed"}') + metricValue(metrics, 'ml_otel_spans_total{outcome="dropped"}');
        return accounted >= 5000;
      },
      { deadlineMs: 20_000, what: '5,000 spans counted as failed or dropped', intervalMs: 0, detail: () => `${accounted} counted` },
    );
    expect(accounted).toBe(5000);
    expect(metricValue(metrics, 'ml_otel_spans_total{outcome="failed"}')).toBeGreaterThan(0);
    expect(metricValue(metrics, 'ml_otel_spans_total{outcome="exported"}')).toBe(0);
    expect(metricValue(metrics, 'ml_otel_span_queue_size')).toBe(0);

    const warnings = server.logs.filter((l) => l.level === 'warn');
    expect(warnings.length).toBeLessThanOrEqual(5);
    expect(warnings.every((l) => !JSON.stringify(l).includes('    at '))).toBe(true);
    expect(server.stderr()).toBe('');
  });

  it('a slow collector: requests go on, the bounded queue drops spans and counts them', async () => {
    const slow = await startOtlpReceiver({ answerDelayMs: 30_000 });
    try {
      server = await spawnServer(
        {
          OTEL_EXPORTER_OTLP_ENDPOINT: slow.endpoint,
          OTEL_TRACES_SAMPLER_ARG: '1',
          OTEL_BSP_SCHEDULE_DELAY: '20',
          OTEL_BSP_MAX_QUEUE_SIZE: '64',
          OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '32',
          OTEL_EXPORTER_OTLP_TIMEOUT: '60000',
          OTEL_BSP_EXPORT_TIMEOUT: '60000',
        },
        { traced: true },
      );
      const body = JSON.stringify({ features: { amount: 100 } });
      for (let i = 0; i < 100; i++) {
        const r = await fetch(`${server.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        expect(r.status).toBe(200);
        await r.arrayBuffer();
      }
      // One export (at most 32 spans) hangs on the collector; the queue holds at most 64 spans; the
      // rest are dropped. Every one of the 500 spans is in one of those places once it has ended.
      let metrics = await (await fetch(`${server.url}/metrics`)).text();
      expect(metricValue(metrics, 'ml_otel_span_queue_size')).toBeLessThanOrEqual(64);
      expect(metricValue(metrics, 'ml_otel_spans_total{outcome="dropped"}')).toBeGreaterThanOrEqual(500 - 64 - 32);
      const waitingOrDropped = () =>
        metricValue(metrics, 'ml_otel_span_queue_size') + metricValue(metrics, 'ml_otel_spans_total{outcome="dropped"}');
      await poll(
        async () => {
          metrics = await (await fetch(`${server!.url}/metrics`)).text();
          return waitingOrDropped() >= 500 - 32;
        },
        {
          deadlineMs: 10_000,
          what: `${500 - 32} spans waiting or dropped`,
          intervalMs: 0,
          detail: () => `${waitingOrDropped()} waiting or dropped`,
        },
      );
      expect(waitingOrDropped()).toBeLessThanOrEqual(500);
      expect(metricValue(metrics, 'ml_otel_span_queue_size')).toBeLessThanOrEqual(64);
      expect(metricValue(metrics, 'ml_otel_spans_total{outcome="exported"}')).toBe(0);
      expect(metricValue(metrics, 'ml_otel_spans_total{outcome="failed"}')).toBe(0);
    } finally {
      await slow.close();
    }
  });
});
