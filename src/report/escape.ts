/**
 * The one escaping function of the HTML report: every string that reaches the page outside the
 * charts (feature and category names, model names, file paths, reasons, numbers) goes through it.
 * It escapes the five characters that can end a text node or a quoted attribute value (HTML
 * Living Standard, "Serializing HTML fragments", plus `'` for single-quoted attributes), so its
 * output is safe in both places. A NUL, which the HTML parser drops from text and replaces in
 * attributes (a parse error either way), becomes U+FFFD everywhere. Chart text is escaped by Vega's SVG renderer
 * (vega-scenegraph's markup), which the property test test/unit/report/escape.property.test.ts
 * checks with the same hostile values.
 */
const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '\u0000': '\ufffd',
};

export function escapeHtml(value: string): string {
  // eslint-disable-next-line no-control-regex -- NUL is one of the characters replaced, on purpose
  return value.replace(/[&<>"'\u0000]/g, (c) => ENTITIES[c]!);
}
