import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ERROR_STATUS, MAX_ERROR_BODY_BYTES, type ErrorCode } from '../../src/errors.js';
import { rejectionReasonOf, REJECTION_REASONS } from '../../src/routes/error-handler.js';

/**
 * The README's "### Errors" table is the public contract of the catalogue in src/errors.ts: one
 * row per code, `| status | `CODE` | `reason` label (or —) | when |`. A code added to the
 * catalogue (and so a series of ml_requests_rejected_total) fails here until it is documented.
 */
const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
const HEADING = '\n### Errors\n';
const start = readme.indexOf(HEADING);
const afterHeading = start < 0 ? '' : readme.slice(start + HEADING.length);
const next = afterHeading.search(/\n#{1,6} /);
const section = next < 0 ? afterHeading : afterHeading.slice(0, next);

interface Row {
  readonly status: number;
  readonly code: string;
  readonly reason: string | undefined;
}

const rows: Row[] = section
  .split('\n')
  .filter((line) => /^\|\s*\d{3}\s*\|/.test(line))
  .map((line) => {
    const [status, code, reason] = line
      .split('|')
      .slice(1)
      .map((cell) => cell.trim());
    return {
      status: Number(status),
      code: code!.replace(/^`|`$/g, ''),
      reason: reason === '—' ? undefined : reason!.replace(/^`|`$/g, ''),
    };
  });

describe('README error table', () => {
  it('has a "### Errors" section with a table', () => {
    expect(start, 'README.md has no "### Errors" heading').toBeGreaterThanOrEqual(0);
    expect(rows.length).toBeGreaterThan(0);
  });

  it('lists exactly the codes of the catalogue, once each, with their statuses', () => {
    expect(rows.map((r) => r.code).sort()).toEqual(Object.keys(ERROR_STATUS).sort());
    for (const row of rows) expect(row.status, row.code).toBe(ERROR_STATUS[row.code as ErrorCode]);
  });

  it('lists exactly the rejection reasons of ml_requests_rejected_total, beside their codes', () => {
    expect(rows.flatMap((r) => (r.reason === undefined ? [] : [r.reason])).sort()).toEqual([...REJECTION_REASONS].sort());
    for (const row of rows) expect(row.reason, row.code).toBe(row.status < 500 ? rejectionReasonOf(row.code as ErrorCode) : undefined);
  });

  it('states the bound on an error body', () => {
    expect(section).toContain(`${MAX_ERROR_BODY_BYTES} bytes`);
  });
});
