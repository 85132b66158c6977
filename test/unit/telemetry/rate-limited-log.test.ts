import { describe, expect, it } from 'vitest';
import { createRateLimitedWarner } from '../../../src/telemetry/rate-limited-log.js';

describe('createRateLimitedWarner', () => {
  it('writes each kind at most once per interval and reports how many were suppressed', () => {
    let now = 0;
    const lines: { fields: Record<string, unknown>; message: string }[] = [];
    const warner = createRateLimitedWarner({ warn: (fields, message) => lines.push({ fields, message }) }, 60_000, () => now);
    for (let i = 0; i < 1000; i++) {
      warner.warn('export', `export failed ${i}`);
      now += 100; // one failure every 100 ms for 100 s
    }
    warner.warn('other', 'a different problem');
    expect(lines.map((l) => l.message)).toEqual(['export failed 0', 'export failed 600', 'a different problem']);
    expect(lines[1]!.fields['suppressed_since_last']).toBe(599);
    expect(warner.written.get('export')).toBe(2);
  });
});
