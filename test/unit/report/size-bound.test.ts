import { describe, expect, it } from 'vitest';
import { categoricalColumns, evaluateDrift, numericalColumn, prepareReference, type Column } from '../../../src/drift/index.js';
import { renderReport } from '../../../src/report/render-report.js';
import { datasetReportInput } from '../../../src/report/report-input.js';

/**
 * The report's size bound: it depends on the number of columns, not on the rows (numerical
 * columns have at most 11 bins, categorical ones at most 32), so a worst case at a few thousand
 * rows bounds it at any row count. Worst case here: 20 categorical columns of 1,000 categories
 * named with 40 characters each.
 */
const BOUND_BYTES = 1024 * 1024;

describe('report size', () => {
  it('20 columns of 1,000 forty-character categories each: under 1 MiB', { timeout: 60_000 }, async () => {
    const reference: Column[] = [];
    const current: Column[] = [];
    for (let k = 0; k < 20; k++) {
      const name = `feature_${k}_${'x'.repeat(30)}`;
      const category = (i: number) => `${String(i).padStart(4, '0')}_${'c'.repeat(35)}`;
      const pair = categoricalColumns(
        name,
        Array.from({ length: 3000 }, (_, i) => category(i % 1000)),
        Array.from({ length: 3000 }, (_, i) => category((i * 7) % 1100)),
      );
      reference.push(pair.reference);
      current.push(pair.current);
    }
    reference.push(
      numericalColumn(
        'amount',
        Array.from({ length: 3000 }, (_, i) => i),
      ),
    );
    current.push(
      numericalColumn(
        'amount',
        Array.from({ length: 3000 }, (_, i) => i * 1.5),
      ),
    );
    const report = evaluateDrift(prepareReference(reference), current);
    const html = await renderReport(
      datasetReportInput(report, { title: 'worst case', evaluatedAt: '2026-01-01T00:00:00.000Z', data: [] }, reference, current),
    );
    console.info(`worst-case report: ${Buffer.byteLength(html)} bytes for 21 columns`);
    expect(Buffer.byteLength(html)).toBeLessThan(BOUND_BYTES);
    expect(html.match(/<svg /g)).toHaveLength(21);
  });
});
