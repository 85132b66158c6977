import { afterEach, describe, expect, it } from 'vitest';
import { postJson, startApp, type RunningApp } from '../helpers/app.js';
import { parseExposition } from '../helpers/exposition.js';

/** under-pressure samples once a second, off the request path: wait for the sample that sees the load. */
async function untilSampled(service: RunningApp, seen: (usage: { eventLoopDelay: number; heapUsed: number }) => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!seen(service.app.memoryUsage())) {
    if (Date.now() > deadline) throw new Error(`no sample within 20 s: ${JSON.stringify(service.app.memoryUsage())}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function shedCount(url: string, reason: string): Promise<number> {
  return parseExposition(await (await fetch(`${url}/metrics`)).text()).value('ml_requests_shed_total', { reason });
}

const ROW = { features: { amount: 100, age: 35 } };

describe('load shedding', () => {
  let service: RunningApp | undefined;
  afterEach(async () => {
    await service?.close();
    service = undefined;
  });

  it('heap over LOAD_SHED_MAX_HEAP_USED_RATIO -> /predict 503 SERVICE_UNAVAILABLE with Retry-After, counted; probes and /metrics still answer', async () => {
    // A ratio of one millionth of the heap limit: a few kilobytes, always exceeded.
    service = await startApp({ LOAD_SHED_MAX_HEAP_USED_RATIO: '0.000001', LOAD_SHED_RETRY_AFTER_SECONDS: '7' });
    expect(await shedCount(service.url, 'heap_used')).toBe(0);
    await untilSampled(service, (u) => u.heapUsed > 0);

    const shed = await postJson(`${service.url}/predict`, ROW);
    expect(shed.status).toBe(503);
    expect(shed.headers.get('retry-after')).toBe('7');
    expect(shed.json).toMatchObject({ error: 'SERVICE_UNAVAILABLE' });
    expect(String(shed.json!['message'])).toMatch(/^overloaded \(heap in use \d+ MiB over 0 MiB\); retry after 7 s$/);
    const batch = await postJson(`${service.url}/predict/batch`, { instances: [ROW.features] });
    expect(batch.status).toBe(503);

    for (const path of ['/health', '/ready', '/models']) expect((await fetch(`${service.url}${path}`)).status, path).toBe(200);
    expect(await shedCount(service.url, 'heap_used')).toBe(2);
    expect(await shedCount(service.url, 'event_loop_delay')).toBe(0);
  });

  it('a blocked event loop -> 503 with reason event_loop_delay, and requests pass again once it recovers', async () => {
    service = await startApp({ LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '100', LOAD_SHED_MAX_HEAP_USED_RATIO: '0' });
    expect((await postJson(`${service.url}/predict`, ROW)).status).toBe(200);
    // Block this process's event loop (the app runs in it) for 1.5 s: the next sample's mean delay is far above 100 ms.
    const until = Date.now() + 1500;
    while (Date.now() < until);
    await untilSampled(service, (u) => u.eventLoopDelay > 100);
    const shed = await postJson(`${service.url}/predict`, ROW);
    expect(shed.status).toBe(503);
    expect(String(shed.json!['message'])).toMatch(/event-loop delay \d+ ms over 100 ms/);
    expect(await shedCount(service.url, 'event_loop_delay')).toBe(1);
    await untilSampled(service, (u) => u.eventLoopDelay < 100);
    expect((await postJson(`${service.url}/predict`, ROW)).status).toBe(200);
  });

  it('both limits at 0 -> nothing is ever shed', async () => {
    service = await startApp({ LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '0', LOAD_SHED_MAX_HEAP_USED_RATIO: '0' });
    expect(service.app.hasDecorator('memoryUsage')).toBe(false);
    expect((await postJson(`${service.url}/predict`, ROW)).status).toBe(200);
  });
});
