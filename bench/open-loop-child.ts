/**
 * Child process of bench/open-loop.ts: sends POSTs at a fixed rate whatever the server does
 * (open loop), and measures each latency from the time the request was *scheduled*, not sent:
 * when the server stalls, the requests that should have gone out meanwhile are charged the
 * stall (no coordinated omission; Gil Tene, "How NOT to Measure Latency").
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

export interface OpenLoopRequest {
  readonly url: string;
  readonly body: string;
  readonly rate: number;
  readonly warmupSeconds: number;
  readonly measureSeconds: number;
  /** Most connections the client opens; beyond it, requests wait in the client (still charged). */
  readonly maxSockets: number;
  /** How long to wait for stragglers after the last send before counting them as timed out. */
  readonly drainMs: number;
}

export interface OpenLoopResult {
  readonly measured: number;
  readonly completed: number;
  readonly errors: number;
  readonly timeouts: number;
  /** Latencies from scheduled send time, ms, of the requests scheduled in the measured window. */
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
  /** How late the generator itself sent (its own timer or GC jitter), p99 and max, ms. */
  readonly sendLagP99Ms: number;
  readonly sendLagMaxMs: number;
  readonly achievedRate: number;
  readonly socketsOpened: number;
  /** The slowest measured requests: scheduled send time (epoch ms) and latency, to line up with server events. */
  readonly slowest: readonly { readonly scheduledEpochMs: number; readonly latencyMs: number; readonly sendLagMs: number }[];
}

export type OpenLoopMessage =
  { readonly type: 'measure-start' } | { readonly type: 'measure-end' } | { readonly type: 'result'; readonly result: OpenLoopResult };

/** Nearest-rank percentile of a sorted array; an unfinished request counts as +Infinity. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function run(options: OpenLoopRequest): Promise<OpenLoopResult> {
  const url = new URL(options.url);
  const body = Buffer.from(options.body);
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets });
  let socketsOpened = 0;
  const interval = 1000 / options.rate;
  const warmup = Math.round(options.warmupSeconds * options.rate);
  const total = warmup + Math.round(options.measureSeconds * options.rate);
  const latency = new Float64Array(total - warmup).fill(Infinity);
  const sendLag = new Float64Array(total - warmup);
  let completed = 0;
  let errors = 0;
  let done = 0;
  let next = 0;

  return new Promise<OpenLoopResult>((resolve) => {
    const start = performance.now();
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      const sorted = latency.slice().sort();
      const slowest = [...latency.keys()]
        .sort((a, b) => latency[b]! - latency[a]!)
        .slice(0, 50)
        .map((i) => ({
          scheduledEpochMs: performance.timeOrigin + start + (warmup + i) * interval,
          latencyMs: latency[i]!,
          sendLagMs: sendLag[i]!,
        }));
      const lags = sendLag.slice().sort();
      const measuredFinite = latency.filter(Number.isFinite).length;
      agent.destroy();
      resolve({
        measured: latency.length,
        completed,
        errors,
        timeouts: latency.length - measuredFinite - errors,
        p50Ms: percentile(sorted, 50),
        p90Ms: percentile(sorted, 90),
        p99Ms: percentile(sorted, 99),
        p999Ms: percentile(sorted, 99.9),
        maxMs: sorted[sorted.length - 1] ?? NaN,
        sendLagP99Ms: percentile(lags, 99),
        sendLagMaxMs: lags[lags.length - 1] ?? NaN,
        achievedRate: (total - warmup) / options.measureSeconds,
        socketsOpened,
        slowest,
      });
    };
    let drainTimer: NodeJS.Timeout | undefined;
    const settle = () => {
      if (++done === total) {
        clearTimeout(drainTimer);
        finish();
      }
    };

    const send = (i: number) => {
      const scheduled = start + i * interval;
      const measuredIndex = i - warmup;
      if (measuredIndex >= 0) sendLag[measuredIndex] = performance.now() - scheduled;
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': body.length },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode === 200) {
              completed++;
              if (measuredIndex >= 0) latency[measuredIndex] = performance.now() - scheduled;
            } else if (measuredIndex >= 0) errors++;
            settle();
          });
        },
      );
      req.on('error', () => {
        if (measuredIndex >= 0) errors++;
        settle();
      });
      req.end(body);
    };
    const countSockets = agent.createConnection.bind(agent);
    agent.createConnection = ((...args: Parameters<typeof countSockets>) => {
      socketsOpened++;
      return countSockets(...args);
    }) as typeof agent.createConnection;

    // Catch-up scheduling: each tick sends every request whose time has come, so a late timer
    // sends a burst rather than silently lowering the rate.
    const tick = () => {
      const due = Math.min(total, Math.floor((performance.now() - start) / interval) + 1);
      while (next < due) {
        if (next === warmup) process.send!({ type: 'measure-start' } satisfies OpenLoopMessage);
        send(next++);
      }
      if (next < total) setTimeout(tick, 1);
      else {
        process.send!({ type: 'measure-end' } satisfies OpenLoopMessage);
        drainTimer = setTimeout(finish, options.drainMs);
      }
    };
    tick();
  });
}

process.once('message', (options: OpenLoopRequest) => {
  void run(options).then((result) => {
    process.send!({ type: 'result', result } satisfies OpenLoopMessage, () => process.exit(0));
  });
});
