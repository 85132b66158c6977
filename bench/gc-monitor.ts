/**
 * Diagnostics preload for a server under test (node --import ./bench/gc-monitor.ts ...): every
 * garbage collection of 2 ms or more, as one JSON line on stderr with its epoch start time, so
 * latency spikes measured by the load generator can be lined up with pauses. Not used for the
 * figures themselves (telemetry.ts --diagnose).
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
