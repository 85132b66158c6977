import { describe, expect, it } from 'vitest';
import { evaluateDrift, numericalColumn, prepareReference } from '../../../src/drift/index.js';
import { createReportRenderer } from '../../../src/report/report-renderer.js';
import { datasetReportInput, type ReportInput } from '../../../src/report/report-input.js';

/** The service's renderer: pages rendered in a real worker thread, in order; close() ends it. */

function reportInput(shift: number): ReportInput {
  const reference = [
    numericalColumn(
      'x',
      Array.from({ length: 500 }, (_, i) => i),
    ),
  ];
  const current = [
    numericalColumn(
      'x',
      Array.from({ length: 500 }, (_, i) => i + shift),
    ),
  ];
  const report = evaluateDrift(prepareReference(reference), current);
  return datasetReportInput(report, { title: `shift ${shift}`, evaluatedAt: '2026-01-01T00:00:00.000Z', data: [] }, reference, current);
}

describe('report renderer (worker thread)', () => {
  it('renders concurrent requests, each its own page with its chart; after close() a render rejects', { timeout: 30_000 }, async () => {
    const renderer = createReportRenderer();
    try {
      const [still, shifted] = await Promise.all([renderer.render(reportInput(0)), renderer.render(reportInput(250))]);
      expect(still).toContain('<title>Drift report: shift 0</title>');
      expect(shifted).toContain('<title>Drift report: shift 250</title>');
      expect(still).toContain('data-drifted="false"');
      expect(shifted).toContain('data-drifted="true"');
      for (const page of [still, shifted]) expect(page.match(/<svg /g)).toHaveLength(1);
    } finally {
      await renderer.close();
    }
    await expect(renderer.render(reportInput(0))).rejects.toThrow('report renderer closed');
  });
});
