import { describe, expect, it } from 'vitest';
import type { ColumnReport } from '../../../src/drift/index.js';
import { buildReportHtml, bySeverity } from '../../../src/report/html-report.js';
import type { ReportColumn, ReportInput } from '../../../src/report/report-input.js';
import { parseElements } from '../../helpers/html.js';

/**
 * The page renders what the drift report holds, not a fixed list: a method, a test or a field it
 * does not know shows up as it is (issue 14 may add them without touching the renderer).
 */

const column = (overrides: Partial<ColumnReport> & Record<string, unknown>): ColumnReport =>
  ({
    column_type: 'num',
    stattest: 'ks',
    score: 0.5,
    threshold: 0.05,
    drifted: false,
    statistic: 0.1,
    p_value: 0.5,
    p_value_raw: 0.5,
    psi: 0.01,
    status: 'ok',
    n_reference: 1000,
    n_current: 500,
    missing_ratio: 0,
    reference_missing_ratio: 0,
    unseen_ratio: null,
    tests: [{ stattest: 'ks', statistic: 0.1, p_value: 0.5, threshold: 0.05, direction: 'p_below', drifted: false }],
    ...overrides,
  }) as ColumnReport;

const input = (columns: ReportColumn[], method = 'robust'): ReportInput => ({
  title: 'm@v1',
  method,
  evaluatedAt: '2026-01-01T00:00:00.000Z',
  data: [],
  datasetDrift: columns.some((c) => c.report.drifted),
  shareOfDriftedColumns: columns.filter((c) => c.report.drifted).length / columns.length,
  driftedColumns: columns.filter((c) => c.report.drifted).map((c) => c.name),
  numberOfColumns: columns.length,
  columns,
});

const articleText = (html: string, name: string) =>
  parseElements(html).find((el) => el.tag === 'article' && el.attrs.get('data-column') === name)!.text;

describe('the report page', () => {
  it('severity order: drifted columns first, then decided ones, undecided last; by PSI within each', () => {
    const columns: ReportColumn[] = [
      { name: 'calm', report: column({ psi: 0.05 }) },
      { name: 'undecided', report: column({ status: 'insufficient_data', psi: 0.9 }) },
      { name: 'drift-small', report: column({ drifted: true, psi: 0.2 }) },
      { name: 'calmer', report: column({ psi: 0.01 }) },
      { name: 'drift-large', report: column({ drifted: true, psi: 0.8 }) },
    ];
    expect(bySeverity(columns).map((c) => c.name)).toEqual(['drift-large', 'drift-small', 'calm', 'calmer', 'undecided']);
    const html = buildReportHtml(input(columns), { columns: new Map() });
    expect(
      parseElements(html)
        .filter((el) => el.tag === 'article')
        .map((el) => el.attrs.get('data-column')),
    ).toEqual(['drift-large', 'drift-small', 'calm', 'calmer', 'undecided']);
    expect(articleText(html, 'undecided')).toContain('no decision: too few rows');
  });

  it("an unknown method, test and fields: every test row and extra field shown as is; the reason falls back, or is the column's own", () => {
    const tolerance = column({
      stattest: 'tolerance_ks' as ColumnReport['stattest'],
      tests: [
        {
          stattest: 'tolerance_ks',
          statistic: 0.3,
          p_value: 0.001,
          threshold: 0.01,
          direction: 'p_below',
          drifted: true,
          effect_upper: 0.42,
        },
        { stattest: 'missing_share', statistic: 0.07, p_value: null, threshold: 0.05, direction: 'distance_above', drifted: true },
      ] as unknown as ColumnReport['tests'],
      drifted: true,
      minimum_effect: 0.1,
    });
    const explained = column({ test_reason: 'Chosen because the schema sets a tolerance of 10%.' });
    const html = buildReportHtml(
      input(
        [
          { name: 'a', report: tolerance },
          { name: 'b', report: explained },
        ],
        'minimum-effect-v2',
      ),
      {
        columns: new Map(),
      },
    );
    const a = articleText(html, 'a');
    expect(a).toContain('tolerance_ks0.30000.0010');
    expect(a).toContain('effect_upper');
    expect(a).toContain('0.4200');
    expect(a).toContain('missing_share0.0700–0.0500drift if statistic at or above');
    expect(a).toContain('minimum_effect0.1000');
    expect(a).toContain('Why this test: Method minimum-effect-v2: main test tolerance_ks, compared with its threshold');
    expect(articleText(html, 'b')).toContain('Why this test: Chosen because the schema sets a tolerance of 10%.');
    const summary = parseElements(html).find((el) => el.tag === 'dl')!.text;
    expect(summary).toContain("the minimum-effect-v2 method's rule");
    expect(summary).toContain('missing_share drift if statistic at or above 0.0500; tolerance_ks drift if p below 0.0100');
  });
});
