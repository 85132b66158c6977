/**
 * Whether the service should receive traffic. `/health` answers "alive" whatever this says;
 * `/ready` answers 200 only when nothing holds readiness back and the process is not draining.
 */
export interface Readiness {
  readonly ready: boolean;
  readonly draining: boolean;
  /** Why the service is not ready, for the /ready body (empty when ready). */
  readonly reasons: readonly string[];
  /** Hold readiness back until the returned function is called (e.g. an exporter warming up). */
  hold(reason: string): () => void;
  /** Start draining: /ready turns 503 for good. */
  drain(): void;
}

export function createReadiness(): Readiness {
  const holds = new Set<{ reason: string }>();
  let draining = false;
  return {
    get ready() {
      return !draining && holds.size === 0;
    },
    get draining() {
      return draining;
    },
    get reasons() {
      return [...(draining ? ['draining'] : []), ...[...holds].map((h) => h.reason)];
    },
    hold(reason) {
      const token = { reason };
      holds.add(token);
      return () => void holds.delete(token);
    },
    drain() {
      draining = true;
    },
  };
}
