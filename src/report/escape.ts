/**
 * The one escaping function of the HTML report: every string that reaches the page outside the
 * charts (feature and category names, model names, file paths, reasons, numbers) goes through it.
 * It escapes the five characters that can end a text node or a quoted attribute value (HTML
 * Living Standard, "Serializing HTML fragments", plus `'` for single-quoted attributes), so its
 * output is safe in both places. Chart text is escaped by Vega's SVG renderer
 * (vega-scenegraph's markup), which the property test test/unit/report/escape.property.test.ts
 * checks with the same hostile values.
 */
const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}
