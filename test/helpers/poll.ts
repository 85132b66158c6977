import { setTimeout as sleep } from 'node:timers/promises';

export interface PollOptions {
  /** Give up this long after the first attempt; an attempt still pending then is abandoned. */
  readonly deadlineMs: number;
  /** What is awaited, for the error ("the listener to refuse connections"). */
  readonly what: string;
  /** Pause between attempts; default 50 ms. 0 yields one macrotask, for conditions that change within a turn. */
  readonly intervalMs?: number;
  /** More context for the error (a process's output, the last answer seen). */
  readonly detail?: () => string;
}

type Done<T> = Exclude<T, undefined | false>;
const timeoutMarker = Symbol('poll deadline');

/**
 * Calls `fn` until it returns something other than `undefined` or `false`, and resolves with that.
 * Past the deadline it rejects naming `what`; an exception thrown by `fn` rejects at once (a
 * process that exited while waited on is an answer, not a reason to keep trying).
 */
export async function poll<T>(fn: () => T | Promise<T>, { deadlineMs, what, intervalMs = 50, detail }: PollOptions): Promise<Done<T>> {
  const deadline = performance.now() + deadlineMs;
  let attempts = 0;
  for (;;) {
    const remaining = deadline - performance.now();
    const timeout = new AbortController();
    const value = await Promise.race([
      Promise.resolve().then(fn),
      sleep(Math.max(remaining, 0), timeoutMarker, { signal: timeout.signal }).catch(() => timeoutMarker),
    ]).finally(() => timeout.abort());
    attempts++;
    if (value !== timeoutMarker && value !== undefined && value !== false) return value as Done<T>;
    if (value === timeoutMarker || performance.now() >= deadline) {
      const more = detail?.();
      throw new Error(`${what}: not within ${deadlineMs} ms (${attempts} attempts)${more ? `\n${more}` : ''}`);
    }
    await sleep(intervalMs);
  }
}
