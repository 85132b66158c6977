import { describe, expect, it } from 'vitest';
import { createSuccessLogGate, type SuccessLogPolicy } from '../../../src/prediction/success-log.js';

/** A gate on a clock and a random source the test sets; its suppressed-line reports collected. */
function gate(policy: Partial<SuccessLogPolicy>, randoms: number[] = []) {
  let nowMs = 5_000;
  const reports: [number, number][] = [];
  const g = createSuccessLogGate(
    { sampleRatio: 1, maxPerSecond: 0, slowMs: 100, ...policy },
    () => nowMs,
    () => randoms.shift() ?? 0,
  );
  return {
    admit: (latencyMs = 1, traced = false) =>
      g.admit(
        latencyMs,
        () => traced,
        (count, start) => reports.push([count, start]),
      ),
    at: (ms: number) => (nowMs = ms),
    reports,
  };
}
const written = (a: { write: boolean }) => a.write;

describe('success-log gate', () => {
  it('by default logs every success, with nothing added', () => {
    const g = gate({});
    for (let i = 0; i < 1000; i++) expect(g.admit()).toEqual({ write: true, fields: undefined });
  });

  it('caps lines per wall-clock second and reports how many it held back when the next second begins', () => {
    const g = gate({ maxPerSecond: 3 });
    const first = Array.from({ length: 10 }, () => g.admit());
    expect(first.filter(written)).toHaveLength(3);
    g.at(5_999);
    expect(g.admit().write).toBe(false);
    expect(g.reports).toEqual([]);
    g.at(6_000);
    expect(g.admit().write).toBe(true);
    expect(g.reports).toEqual([[8, 5_000]]);
    // A second without suppression reports nothing.
    g.at(7_500);
    expect(g.admit().write).toBe(true);
    expect(g.reports).toHaveLength(1);
  });

  it('slow predictions and traced ones pass the cap; slow ones say so', () => {
    const g = gate({ maxPerSecond: 1 });
    expect(g.admit().write).toBe(true);
    expect(g.admit().write).toBe(false);
    expect(g.admit(100)).toEqual({ write: true, fields: { slow: true } });
    expect(g.admit(1, true)).toEqual({ write: true, fields: undefined });
    g.at(6_000);
    g.admit();
    // The slow and the traced line were not counted as held back.
    expect(g.reports).toEqual([[1, 5_000]]);
  });

  it('a ratio keeps a random share, marked with the ratio; a traced prediction is logged unmarked', () => {
    const g = gate({ sampleRatio: 0.25 }, [0.1, 0.3, 0.24, 0.9, 0.99]);
    expect(g.admit()).toEqual({ write: true, fields: { log_sample_ratio: 0.25 } });
    expect(g.admit().write).toBe(false);
    expect(g.admit()).toEqual({ write: true, fields: { log_sample_ratio: 0.25 } });
    expect(g.admit().write).toBe(false);
    expect(g.admit(1, true)).toEqual({ write: true, fields: undefined });
  });

  it('ratio 0 logs only slow and traced predictions', () => {
    const g = gate({ sampleRatio: 0 }, [0, 0, 0]);
    expect(g.admit().write).toBe(false);
    expect(g.admit(250).write).toBe(true);
    expect(g.admit(1, true).write).toBe(true);
  });
});
