/**
 * Warnings that cannot flood the log: a collector that is down fails an export every few seconds
 * for as long as it is down. Each kind of warning is written at most once per interval; the next
 * one says how many were suppressed in between. No stack traces: the message and code say enough.
 */
export interface WarnSink {
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface RateLimitedWarner {
  warn(kind: string, message: string, fields?: Record<string, unknown>): void;
  /** Lines actually written, by kind (tests and the collector-down benchmark read it). */
  readonly written: ReadonlyMap<string, number>;
}

export function createRateLimitedWarner(sink: WarnSink, intervalMs: number, now: () => number = Date.now): RateLimitedWarner {
  const last = new Map<string, number>();
  const suppressed = new Map<string, number>();
  const written = new Map<string, number>();
  return {
    warn(kind, message, fields = {}) {
      const t = now();
      const previous = last.get(kind);
      if (previous !== undefined && t - previous < intervalMs) {
        suppressed.set(kind, (suppressed.get(kind) ?? 0) + 1);
        return;
      }
      last.set(kind, t);
      const skipped = suppressed.get(kind) ?? 0;
      suppressed.set(kind, 0);
      written.set(kind, (written.get(kind) ?? 0) + 1);
      sink.warn({ ...fields, warning: kind, ...(skipped > 0 && { suppressed_since_last: skipped }) }, message);
    },
    written,
  };
}
