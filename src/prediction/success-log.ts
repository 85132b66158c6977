/**
 * Which successful predictions get a `prediction_completed` line.
 *
 * A line costs the request path about 7 µs to format and 14-17 µs to hand to stdout asynchronously
 * (`npm run bench -- --only telemetry`, logs only: 0.80× of telemetry off at saturation), more
 * than the prediction itself. So successes are logged by policy, failures and refusals always
 * (elsewhere):
 *
 * - a prediction at or over `slowMs` is always logged, marked `slow: true`;
 * - one in a sampled trace is always logged (its trace and its line find each other);
 * - otherwise a random share `sampleRatio` is kept (each such line says `log_sample_ratio`, so a
 *   count from the logs scales back), and of those at most `maxPerSecond` per wall-clock second
 *   (0: no cap). Lines the cap holds back are counted and reported by one
 *   `prediction_completed_suppressed` line when the next second's first prediction arrives.
 *
 * With the defaults (ratio 1, 100 a second) a service at tens of requests a second logs every
 * prediction, and one at thousands pays for 100 lines a second instead of thousands.
 */
export interface SuccessLogPolicy {
  readonly sampleRatio: number;
  readonly maxPerSecond: number;
  readonly slowMs: number;
}

export type Admission =
  | { readonly write: false }
  /** `fields`: what the line adds (`slow`, `log_sample_ratio`), undefined when nothing. */
  | { readonly write: true; readonly fields: Readonly<Record<string, unknown>> | undefined };

export interface SuccessLogGate {
  /**
   * Whether a success of `latencyMs` is logged. `traced()` says whether its trace is sampled (asked
   * only when it decides). `onSuppressed(count, secondStartMs)` runs when a new second begins
   * after a second in which the cap held lines back.
   */
  admit(latencyMs: number, traced: () => boolean, onSuppressed: (count: number, secondStartMs: number) => void): Admission;
}

const SKIP: Admission = { write: false };
const SLOW: Admission = { write: true, fields: { slow: true } };

export function createSuccessLogGate(
  policy: SuccessLogPolicy,
  now: () => number = Date.now,
  random: () => number = Math.random,
): SuccessLogGate {
  const { sampleRatio, maxPerSecond, slowMs } = policy;
  const kept: Admission = { write: true, fields: sampleRatio < 1 ? { log_sample_ratio: sampleRatio } : undefined };
  // Logged for its trace, not by the ratio: no log_sample_ratio (it would be scaled back as a sample).
  const always: Admission = { write: true, fields: undefined };
  let second = Number.NaN;
  let written = 0;
  let suppressed = 0;
  return {
    admit(latencyMs, traced, onSuppressed) {
      if (latencyMs >= slowMs) return SLOW;
      if (sampleRatio < 1 && !(random() < sampleRatio)) return traced() ? always : SKIP;
      if (maxPerSecond === 0) return kept;
      const current = Math.floor(now() / 1000);
      if (current !== second) {
        if (suppressed > 0) onSuppressed(suppressed, second * 1000);
        second = current;
        written = 0;
        suppressed = 0;
      }
      if (written < maxPerSecond) {
        written++;
        return kept;
      }
      if (traced()) return always;
      suppressed++;
      return SKIP;
    },
  };
}
