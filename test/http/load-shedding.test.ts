import { afterEach, describe, expect, it } from 'vitest';
import { postJson, startApp, type RunningApp } from '../helpers/app.js';
import { parseExposition } from '../helpers/exposition.js';
import { poll } from '../helpers/poll.js';

/** under-pressure samples once a second, off the request path: wait for the sample that sees the load. */
async function untilSampled(service: RunningApp, seen: (usage: { eventLoopDelay: number; heapUsed: number }) => boolean): Promise<void> {
  await poll(() => seen(service.app.memoryUsage()), {
    deadlineMs: 20_000,
    what: 'an under-pressure sample that sees the load',
    detail: () => JSON.stringify(service.app.memoryUsage()),
  });
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
    // Block this process's event loop (the app runs in it) for 2.5 s, in 250 ms pieces with one
    // turn of the loop between them. under-pressure reports the mean of its event-loop-delay
    // histogram (a tick every 10 ms) over its 1 s interval. One long block is one late tick among
    // up to 100 on time, and when its sampling timer happens to run before the histogram's timer
    // after the block, that tick even falls into the next interval, diluted below 100 ms. Here
    // every tick for 2.5 s is 250 ms late: every sample taken meanwhile is far above 100 ms.
    for (let piece = 0; piece < 10; piece++) {
      const until = Date.now() + 250;
      while (Date.now() < until);
      await new Promise((resolve) => setImmediate(resolve));
    }
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
