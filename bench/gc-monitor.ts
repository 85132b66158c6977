/**
 * Diagnostics preload for a server under test (node --import ./bench/gc-monitor.ts ...): every
 * garbage collection of 2 ms or more, and every stall of the event loop of 2 ms or more, as one
 * JSON line on stderr with its epoch start time, so latency spikes measured by the load generator
 * can be lined up with pauses and span exports. Not used for the figures themselves
 * (telemetry.ts --diagnose).
 *
 * A stall: a 1 ms interval timer that fired more than 3 ms after the previous tick, i.e. the loop
 * was busy (or the process descheduled) for at least 2 ms beyond the timer's period. The timer
 * costs the server ~1,000 wake-ups a second: diagnostics only.
 */
import { constants, PerformanceObserver, performance, type PerformanceEntry } from 'node:perf_hooks';

const KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (entry.duration < 2) continue;
    const kind = KINDS[(entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind ?? -1] ?? 'gc';
    process.stderr.write(
      `${JSON.stringify({ gc: kind, epochMs: performance.timeOrigin + entry.startTime, durationMs: entry.duration })}\n`,
    );
  }
}).observe({ entryTypes: ['gc'] });

const PERIOD_MS = 1;
let previous = performance.now();
setInterval(() => {
  const now = performance.now();
  const stalledMs = now - previous - PERIOD_MS;
  if (stalledMs >= 2) {
    process.stderr.write(
      `${JSON.stringify({ stall: true, epochMs: performance.timeOrigin + previous + PERIOD_MS, durationMs: stalledMs })}\n`,
    );
  }
  previous = now;
}, PERIOD_MS).unref();
