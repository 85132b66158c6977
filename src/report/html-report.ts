/**
 * The report page: one self-contained HTML document (inline CSS, inline SVG charts, no script, no
 * external resource), from a ReportInput and its pre-rendered charts. A pure function: the same
 * input gives the same bytes. Every string from the input goes through escapeHtml; the charts are
 * Vega's escaped SVG.
 *
 * A Content-Security-Policy meta element forbids every fetch and every script (style only by the
 * hash of the one style element), so even a page opened from an untrusted directory neither
 * loads nor runs anything.
 */
import { createHash } from 'node:crypto';
import type { ColumnReport, DriftTestReport } from '../drift/methods/report.js';
import { escapeHtml as e } from './escape.js';
import type { PerformanceInput, ReportColumn, ReportInput } from './report-input.js';
import { stattestDescription, testReason } from './test-reasons.js';

export interface ReportCharts {
  /** SVG per column name (input.columns). */
  readonly columns: ReadonlyMap<string, string>;
  readonly prediction?: string;
  readonly calibration?: string;
}

const STYLE = `
:root { color: #1a1a1a; background: #fff; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; line-height: 1.4; }
body { margin: 0 auto; max-width: 1180px; padding: 1rem 1.5rem 3rem; }
h1 { font-size: 1.6rem; margin: 0.5rem 0 0.25rem; }
h2 { font-size: 1.3rem; border-bottom: 2px solid #ddd; padding-bottom: 0.2rem; margin-top: 2rem; }
h3 { font-size: 1.1rem; margin: 0 0 0.5rem; overflow-wrap: anywhere; }
table { border-collapse: collapse; font-size: 0.9rem; margin: 0.5rem 0; }
th, td { border: 1px solid #ccc; padding: 0.2rem 0.5rem; text-align: left; vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
dl.summary { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; }
dl.summary dt { font-weight: 600; }
dl.summary dd { margin: 0; overflow-wrap: anywhere; }
.badge { display: inline-block; border-radius: 0.3rem; padding: 0 0.4rem; font-size: 0.85rem; font-weight: 700; vertical-align: middle; }
.badge.drift { background: #9b1c1c; color: #fff; }
.badge.ok { background: #1d5e2e; color: #fff; }
.badge.nodecision { background: #5a5a5a; color: #fff; }
article.column { border: 1px solid #ccc; border-left: 6px solid #1d5e2e; border-radius: 0.3rem; padding: 0.8rem 1rem; margin: 1rem 0; }
article.column.drifted { border-left-color: #9b1c1c; }
article.column.nodecision { border-left-color: #5a5a5a; }
.columns { display: flex; flex-wrap: wrap; gap: 1rem 2rem; }
figure { margin: 0; }
figcaption { font-size: 0.85rem; color: #333; max-width: 38rem; }
svg { max-width: 100%; height: auto; }
p.why, p.note { font-size: 0.9rem; color: #333; max-width: 60rem; }
details { font-size: 0.9rem; margin-top: 0.4rem; }
footer { margin-top: 3rem; font-size: 0.85rem; color: #333; }
`;

const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');
/** The page's policy: nothing may be fetched or run; only the style element above applies. */
export const REPORT_CSP = `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; img-src data:; base-uri 'none'; form-action 'none'`;

/** Fields of ColumnReport the page shows in their own places; any other field is listed generically. */
const SHOWN_FIELDS = new Set([
  'column_type',
  'stattest',
  'score',
  'threshold',
  'drifted',
  'statistic',
  'p_value',
  'p_value_raw',
  'psi',
  'status',
  'reason',
  'n_reference',
  'n_current',
  'missing_ratio',
  'reference_missing_ratio',
  'unseen_ratio',
  'tests',
  'test_reason',
  'rationale',
  'missing_test',
]);
const SHOWN_TEST_FIELDS = new Set(['stattest', 'statistic', 'p_value', 'threshold', 'direction', 'drifted']);

/** A number as the tables print it: four decimals, or two significant digits in exponent form when tiny. */
export function formatNumber(x: number | null | undefined): string {
  if (x === null || x === undefined) return '–';
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x)) return String(x);
  return Math.abs(x) >= 1e-3 || x === 0 ? x.toFixed(4) : x.toExponential(2);
}

const percent = (x: number | null | undefined) => (x === null || x === undefined ? '–' : `${(x * 100).toFixed(2)}%`);

/**
 * Severity order: drifted columns first, then decided columns before undecided ones, then by PSI
 * (the one size measure every method reports), then by name.
 */
export function bySeverity(columns: readonly ReportColumn[]): ReportColumn[] {
  const rank = (c: ColumnReport) => (c.drifted ? 0 : c.status === 'ok' ? 1 : 2);
  return [...columns].sort(
    (a, b) => rank(a.report) - rank(b.report) || b.report.psi - a.report.psi || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
}

function decision(report: ColumnReport): { cls: string; text: string } {
  if (report.status !== 'ok')
    return { cls: 'nodecision', text: report.status === 'insufficient_data' ? 'no decision: too few rows' : 'no decision: degenerate' };
  return report.drifted ? { cls: 'drift', text: 'DRIFT' } : { cls: 'ok', text: 'no drift' };
}

/** A value of a field the page does not know: numbers, strings and booleans as text, anything else as JSON. */
function genericValue(value: unknown): string {
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean' || value === null) return String(value);
  return JSON.stringify(value) ?? String(value);
}

function directionText(direction: string): string {
  if (direction === 'p_below') return 'drift if p below';
  if (direction === 'distance_above') return 'drift if statistic at or above';
  return direction;
}

/**
 * The column's tests, and a `missing_test` beside them (the tolerance method's missing-share test:
 * its own signal, not part of the decision) as one more row when it has a test's shape.
 */
function columnTests(report: ColumnReport): readonly DriftTestReport[] {
  const missing = (report as unknown as Record<string, unknown>)['missing_test'] as Partial<DriftTestReport> | undefined;
  const isTest =
    typeof missing === 'object' && missing !== null && typeof missing.stattest === 'string' && typeof missing.statistic === 'number';
  return isTest ? [...report.tests, missing as DriftTestReport] : report.tests;
}

function testsTable(tests: readonly DriftTestReport[]): string {
  const extras = [...new Set(tests.flatMap((t) => Object.keys(t).filter((k) => !SHOWN_TEST_FIELDS.has(k))))];
  const head = ['test', 'statistic', 'p-value', 'threshold', 'rule', 'decision', ...extras];
  const rows = tests.map((t) => {
    const record = t as unknown as Record<string, unknown>;
    const cells = [
      `<td>${e(String(t.stattest))}</td>`,
      `<td class="n">${e(formatNumber(t.statistic))}</td>`,
      `<td class="n">${e(formatNumber(t.p_value))}</td>`,
      `<td class="n">${e(formatNumber(t.threshold))}</td>`,
      `<td>${e(directionText(String(t.direction)))}</td>`,
      `<td>${t.drifted ? 'drift' : 'no drift'}</td>`,
      ...extras.map((k) => `<td>${k in record ? e(genericValue(record[k])) : '–'}</td>`),
    ];
    return `<tr>${cells.join('')}</tr>`;
  });
  const legend = [...new Map(tests.map((t) => [String(t.stattest), stattestDescription(String(t.stattest), String(t.direction))]))]
    .map(([, text]) => e(text))
    .join(' ');
  return (
    `<table class="tests"><thead><tr>${head.map((h) => `<th scope="col">${e(h)}</th>`).join('')}</tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table><p class="note">${legend}</p>`
  );
}

function signalsTable(report: ColumnReport): string {
  const record = report as unknown as Record<string, unknown>;
  const rows: [string, string][] = [
    ['values (reference / current)', `${formatNumber(report.n_reference)} / ${formatNumber(report.n_current)}`],
    ['main score', `${formatNumber(report.score)} against ${formatNumber(report.threshold)} (${String(report.stattest)})`],
    ['raw p-value (before adjustment)', formatNumber(report.p_value_raw)],
    ['PSI', formatNumber(report.psi)],
    ['missing (current / reference)', `${percent(report.missing_ratio)} / ${percent(report.reference_missing_ratio)}`],
    ['unseen categories (current)', report.unseen_ratio === null ? 'not applicable (numerical)' : percent(report.unseen_ratio)],
    ...Object.keys(record)
      .filter((k) => !SHOWN_FIELDS.has(k))
      .sort()
      .map((k): [string, string] => [k, genericValue(record[k])]),
  ];
  return `<table class="signals"><tbody>${rows.map(([k, v]) => `<tr><th scope="row">${e(k)}</th><td>${e(v)}</td></tr>`).join('')}</tbody></table>`;
}

function sharesTable(column: ReportColumn): string {
  const d = column.distribution;
  if (!d) return '';
  const rows = d.bins.map(
    (b) => `<tr><td>${e(b.label)}</td><td class="n">${e(percent(b.reference))}</td><td class="n">${e(percent(b.current))}</td></tr>`,
  );
  return (
    `<details><summary>Shares per bin (table)</summary><table><thead><tr><th scope="col">bin</th><th scope="col" class="n">reference</th>` +
    `<th scope="col" class="n">current</th></tr></thead><tbody>${rows.join('')}</tbody></table></details>`
  );
}

/** The evidently method bins numerical columns per window (Sturges over the pooled sample): the chart says it draws other bins. */
function binsNote(method: string, column: ReportColumn): string {
  return method === 'evidently' && column.distribution?.kind === 'numerical'
    ? " The evidently method's own bins (Sturges over both samples together, or one per value) change with every window; these fixed bins are drawn instead."
    : '';
}

function columnArticle(method: string, column: ReportColumn, id: string, svg: string | undefined, heading = 'h3'): string {
  const { report } = column;
  const d = decision(report);
  const chart = svg
    ? `<figure class="chart">${svg}<figcaption>Reference (blue) and current (orange) shares of ${e(column.name)}: ${e(column.distribution?.binning ?? '')}.${e(binsNote(method, column))}</figcaption></figure>`
    : '<p class="note">No distribution was computed for this column.</p>';
  const reason = report.reason ? `<p class="note">Note: ${e(report.reason)}</p>` : '';
  return (
    `<article class="column ${report.drifted ? 'drifted' : d.cls === 'nodecision' ? 'nodecision' : 'stable'}" id="${id}" data-column="${e(column.name)}" data-drifted="${report.drifted}">` +
    `<${heading}>${e(column.name)} <span class="badge ${d.cls}">${e(d.text)}</span> <small>(${report.column_type === 'num' ? 'numerical' : 'categorical'})</small></${heading}>` +
    `<div class="columns"><div>${chart}${sharesTable(column)}</div><div>${testsTable(columnTests(report))}${signalsTable(report)}` +
    `<p class="why"><strong>Why this test:</strong> ${e(testReason(method, report))}</p>${reason}</div></div></article>`
  );
}

function thresholdsText(input: ReportInput): string {
  const pairs = new Set<string>();
  for (const c of [...input.columns, ...(input.prediction ? [input.prediction] : [])])
    for (const t of c.report.tests) pairs.add(`${String(t.stattest)} ${directionText(String(t.direction))} ${formatNumber(t.threshold)}`);
  return [...pairs].sort().join('; ');
}

function datasetRule(method: string): string {
  if (method === 'tolerance')
    return 'dataset drift when any column drifts beyond its tolerance (Holm across every test of the evaluation), unless DRIFT_DATASET_SHARE sets a share';
  if (method === 'robust') return 'dataset drift when any column drifts (after the Benjamini-Hochberg adjustment, gated by PSI)';
  if (method === 'evidently') return 'dataset drift when the share of drifted columns is at least 0.5 (Evidently drift_share)';
  return `the ${method} method's rule`;
}

function summary(input: ReportInput, ordered: readonly ReportColumn[]): string {
  const items: [string, string][] = [
    ['Dataset decision', input.datasetDrift ? 'DRIFT' : 'no drift'],
    [
      'Drifted columns',
      `${input.driftedColumns.length} of ${input.numberOfColumns} (share ${percent(input.shareOfDriftedColumns)})${input.driftedColumns.length > 0 ? `: ${input.driftedColumns.join(', ')}` : ''}`,
    ],
    ['Method', input.method],
    ['Decision rule', datasetRule(input.method)],
    ['Thresholds', thresholdsText(input)],
    ...(input.status ? [['Status', input.status] as [string, string]] : []),
    ['Evaluated at', input.evaluatedAt],
    ...input.data.map((d): [string, string] => [d.label, d.value]),
  ];
  const overview = ordered.map((c, k) => {
    const d = decision(c.report);
    return (
      `<tr><td><a href="#column-${k}">${e(c.name)}</a></td><td>${e(d.text)}</td><td>${e(String(c.report.stattest))}</td>` +
      `<td class="n">${e(formatNumber(c.report.score))}</td><td class="n">${e(formatNumber(c.report.threshold))}</td>` +
      `<td class="n">${e(formatNumber(c.report.psi))}</td><td class="n">${e(percent(c.report.missing_ratio))}</td>` +
      `<td class="n">${e(c.report.unseen_ratio === null ? '–' : percent(c.report.unseen_ratio))}</td></tr>`
    );
  });
  return (
    `<section aria-labelledby="summary"><h2 id="summary">Summary</h2><dl class="summary">` +
    items.map(([k, v]) => `<dt>${e(k)}</dt><dd>${e(v)}</dd>`).join('') +
    `</dl><table class="overview"><thead><tr>${['column', 'decision', 'test', 'score', 'threshold', 'PSI', 'missing', 'unseen']
      .map((h) => `<th scope="col">${e(h)}</th>`)
      .join('')}</tr></thead><tbody>${overview.join('')}</tbody></table></section>`
  );
}

function performanceSection(p: PerformanceInput, calibrationSvg: string | undefined): string {
  const figures = p.figures.map(
    (f) =>
      `<tr><th scope="row">${e(f.metric)}</th><td class="n">${e(formatNumber(f.reference))}</td><td class="n">${e(formatNumber(f.realised))}</td><td class="n">${e(formatNumber(f.estimated))}</td></tr>`,
  );
  const calibration = p.calibration.map(
    (c) =>
      `<tr><td class="n">${e(formatNumber(c.bucketUpper))}</td><td class="n">${e(formatNumber(c.referenceRows))}</td>` +
      `<td class="n">${e(formatNumber(c.referenceMeanScore))}</td><td class="n">${e(formatNumber(c.referencePositiveRate))}</td>` +
      `<td class="n">${e(formatNumber(c.labels))}</td><td class="n">${e(formatNumber(c.liveMeanScore))}</td><td class="n">${e(formatNumber(c.livePositiveRate))}</td></tr>`,
  );
  return (
    `<section aria-labelledby="performance"><h2 id="performance">Performance</h2>` +
    `<p class="note">${e(p.source)}. Decision threshold ${e(formatNumber(p.decisionThreshold))} (positive: score above it); ` +
    `${e(formatNumber(p.labels))} labels, ${e(formatNumber(p.positives))} positive.</p>` +
    `<table><thead><tr><th scope="col">metric</th><th scope="col" class="n">reference (holdout)</th><th scope="col" class="n">realised (labels)</th>` +
    `<th scope="col" class="n">estimated (CBPE)</th></tr></thead><tbody>${figures.join('')}</tbody></table>` +
    p.notes.map((n) => `<p class="note">${e(n)}</p>`).join('') +
    `<h3>Calibration</h3>` +
    (calibrationSvg
      ? `<figure class="chart">${calibrationSvg}<figcaption>Observed positive rate against mean score per score bucket; the dashed line is perfect calibration.</figcaption></figure>`
      : '') +
    `<table><thead><tr>${[
      'bucket ≤',
      'holdout rows',
      'holdout mean score',
      'holdout positive rate',
      'live labels',
      'live mean score',
      'live positive rate',
    ]
      .map((h) => `<th scope="col" class="n">${e(h)}</th>`)
      .join('')}</tr></thead><tbody>${calibration.join('')}</tbody></table></section>`
  );
}

/** The whole page. Columns are sorted by severity (bySeverity); ids are positions, never names. */
export function buildReportHtml(input: ReportInput, charts: ReportCharts): string {
  const ordered = bySeverity(input.columns);
  const title = `Drift report: ${input.title}`;
  const articles = ordered.map((c, k) => columnArticle(input.method, c, `column-${k}`, charts.columns.get(c.name)));
  const prediction = input.prediction
    ? `<section aria-labelledby="prediction"><h2 id="prediction">Prediction score drift</h2>` +
      columnArticle(input.method, input.prediction, 'prediction-score', charts.prediction) +
      `</section>`
    : '';
  return (
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8">` +
    `<meta http-equiv="Content-Security-Policy" content="${e(REPORT_CSP)}">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1"><title>${e(title)}</title><style>${STYLE}</style></head>` +
    `<body><header><h1>${e(title)}</h1><p>${input.datasetDrift ? '<span class="badge drift">DATASET DRIFT</span>' : '<span class="badge ok">no dataset drift</span>'} ` +
    `${e(`${input.driftedColumns.length} of ${input.numberOfColumns} columns drifted; method ${input.method}; evaluated ${input.evaluatedAt}`)}</p></header>` +
    `<main>${summary(input, ordered)}` +
    `<section aria-labelledby="columns"><h2 id="columns">Columns, most severe first</h2>${articles.join('')}</section>` +
    prediction +
    (input.performance ? performanceSection(input.performance, charts.calibration) : '') +
    `</main><footer><p>Generated by ml-service. Self-contained: no script, no external resource; charts rendered to SVG by Vega.</p></footer></body></html>\n`
  );
}
