import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { categoricalColumns, evaluateDrift, numericalColumn, prepareReference, type Column } from '../../../src/drift/index.js';
import { escapeHtml } from '../../../src/report/escape.js';
import { buildReportHtml } from '../../../src/report/html-report.js';
import { renderReport } from '../../../src/report/render-report.js';
import { datasetReportInput, type ReportInput } from '../../../src/report/report-input.js';
import { parseElements, type ParsedElement } from '../../helpers/html.js';

/**
 * Every string that reaches the report (feature names, category names, the model's name, file
 * paths, the method) with hostile values: parsed as a browser parses it, the page has only the
 * elements and attributes the report writes, and each hostile value comes back as text.
 */

const HOSTILE = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "' onmouseover='alert(1)",
  '</svg><script>alert(1)</script>',
  '</title></style><script>x</script>',
  '<!-- -->',
  ']]><![CDATA[',
  '&amp;&lt;&#60;&#x3c;',
  '<svg onload=alert(1)>',
  '</textarea></noscript><iframe src=javascript:alert(1)>',
  'ünïcødé 😀 \u202e\u0000',
  'missing',
  'unseen',
];

const hostile = fc.oneof(
  fc.constantFrom(...HOSTILE),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }),
  fc.tuple(fc.constantFrom(...HOSTILE), fc.string({ maxLength: 6 })).map(([a, b]) => a + b),
);

/** Elements the page itself writes (HTML) and that Vega's SVG renderer writes. */
const HTML_TAGS = new Set([
  'html',
  'head',
  'meta',
  'title',
  'style',
  'body',
  'header',
  'h1',
  'h2',
  'h3',
  'p',
  'span',
  'small',
  'strong',
  'main',
  'section',
  'dl',
  'dt',
  'dd',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
  'a',
  'article',
  'div',
  'figure',
  'figcaption',
  'details',
  'summary',
  'footer',
]);
const SVG_TAGS = new Set(['svg', 'g', 'path', 'rect', 'line', 'text', 'title', 'desc', 'defs', 'clipPath', 'tspan', 'circle']);
const ATTRIBUTES = new Set([
  'lang',
  'charset',
  'http-equiv',
  'content',
  'name',
  'class',
  'id',
  'href',
  'data-column',
  'data-drifted',
  'scope',
  'aria-labelledby',
  // Vega's SVG
  'xmlns',
  'xlink',
  'version',
  'width',
  'height',
  'viewBox',
  'fill',
  'stroke',
  'stroke-width',
  'stroke-miterlimit',
  'transform',
  'role',
  'aria-roledescription',
  'aria-label',
  'aria-hidden',
  'd',
  'x2',
  'y2',
  'opacity',
  'pointer-events',
  'display',
  'text-anchor',
  'font-family',
  'font-size',
  'font-weight',
  'fill-opacity',
  'stroke-opacity',
  'stroke-dasharray',
  'stroke-linecap',
  'x',
  'y',
  'dy',
  'clip-path',
]);

/**
 * A string as the page gives it back: the parser turns CR LF and lone CR into LF (WHATWG,
 * "Preprocessing the input stream"); escapeHtml turns NUL into U+FFFD.
 */
const asParsed = (value: string) => value.replace(/\r\n?/g, '\n').replaceAll('\u0000', '\ufffd');

function checkPage(html: string, input: ReportInput): ParsedElement[] {
  const elements = parseElements(html);
  for (const el of elements) {
    const known = el.namespace.endsWith('/svg') ? SVG_TAGS.has(el.tag) : HTML_TAGS.has(el.tag);
    expect(known, `unexpected element <${el.tag}> (${el.namespace})`).toBe(true);
    for (const name of el.attrs.keys()) expect(ATTRIBUTES.has(name), `unexpected attribute ${name} on <${el.tag}>`).toBe(true);
    const href = el.attrs.get('href');
    if (href !== undefined) expect(href).toMatch(/^#column-\d+$/);
  }
  expect(elements.filter((el) => el.tag === 'style')).toHaveLength(1);
  expect(elements.filter((el) => el.tag === 'meta')).toHaveLength(3);
  // Each value comes back intact, as text: in its article's attribute and heading, in the title.
  const articles = elements.filter((el) => el.tag === 'article');
  expect(articles.map((a) => a.attrs.get('data-column')).sort()).toEqual(input.columns.map((c) => asParsed(c.name)).sort());
  for (const column of input.columns) {
    const heading = elements.find((el) => el.tag === 'h3' && el.text.startsWith(`${asParsed(column.name)} `));
    expect(heading, column.name).toBeDefined();
  }
  expect(elements.find((el) => el.tag === 'title')!.text).toBe(`Drift report: ${asParsed(input.title)}`);
  return elements;
}

/** A real evaluation of hostile columns: one numerical, the others categorical with hostile categories. */
function hostileInput(title: string, method: string, names: string[], categories: string[]): ReportInput {
  const reference: Column[] = [];
  const current: Column[] = [];
  names.forEach((name, k) => {
    if (k === 0) {
      reference.push(
        numericalColumn(
          name,
          Array.from({ length: 50 }, (_, i) => i),
        ),
      );
      current.push(
        numericalColumn(
          name,
          Array.from({ length: 50 }, (_, i) => i * 2),
        ),
      );
      return;
    }
    const ref = Array.from({ length: 40 }, (_, i) => categories[i % categories.length]!);
    const cur = Array.from({ length: 40 }, (_, i) =>
      i % 5 === 0 ? null : categories[(i + k) % categories.length]! + (i % 7 === 0 ? '!' : ''),
    );
    const pair = categoricalColumns(name, ref, cur);
    reference.push(pair.reference);
    current.push(pair.current);
  });
  const report = evaluateDrift(prepareReference(reference, { method: 'evidently' }), current, { method: 'evidently' });
  const data = [
    { label: 'Reference', value: `${title}/reference.csv` },
    { label: 'Current', value: `${title}/current.csv` },
  ];
  // The method name is one of the hostile strings too.
  return { ...datasetReportInput(report, { title, evaluatedAt: '2026-01-01T00:00:00.000Z', data }, reference, current), method };
}

const inputs = fc
  .record({
    title: hostile,
    method: hostile,
    names: fc.uniqueArray(hostile, { minLength: 2, maxLength: 3 }),
    categories: fc.uniqueArray(hostile, { minLength: 2, maxLength: 4 }),
  })
  .map(({ title, method, names, categories }) => hostileInput(title, method, names, categories));

describe('report escaping', () => {
  it('escapeHtml: the output has none of & < > " \' unescaped and decodes back to the input', () => {
    fc.assert(
      fc.property(fc.oneof(hostile, fc.string()), (value) => {
        const escaped = escapeHtml(value);
        expect(escaped).not.toMatch(/[<>"']|&(?!(amp|lt|gt|quot|#39);)/);
        const [p] = parseElements(`<p title="${escaped}">${escaped}</p>`).filter((el) => el.tag === 'p');
        expect(p!.text).toBe(asParsed(value));
        expect(p!.attrs.get('title')).toBe(asParsed(value));
      }),
      { numRuns: 500 },
    );
  });

  it("the page without charts: only the report's own elements and attributes, every hostile name back as text", () => {
    fc.assert(
      fc.property(inputs, (input) => {
        checkPage(buildReportHtml(input, { columns: new Map() }), input);
      }),
      { numRuns: 100 },
    );
  });

  it('the page with its Vega charts: no element or attribute injected through chart labels either', { timeout: 60_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(inputs, async (input) => {
        const elements = checkPage(await renderReport(input), input);
        expect(elements.filter((el) => el.tag === 'svg')).toHaveLength(input.columns.length);
        // Vega wrote the hostile category labels as text of its axis labels (truncated when long).
        const svgText = elements.filter((el) => el.tag === 'text').map((el) => el.text);
        expect(svgText.length).toBeGreaterThan(0);
      }),
      { numRuns: 12 },
    );
  });
});
