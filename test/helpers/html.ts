import { parse } from 'parse5';

/** One element of a parsed page: its tag, namespace, attributes and text (entities decoded). */
export interface ParsedElement {
  readonly tag: string;
  readonly namespace: string;
  readonly attrs: ReadonlyMap<string, string>;
  readonly text: string;
}

interface Node {
  nodeName: string;
  tagName?: string;
  namespaceURI?: string;
  attrs?: { name: string; value: string }[];
  childNodes?: Node[];
  content?: Node;
  value?: string;
}

const textOf = (node: Node): string => (node.nodeName === '#text' ? (node.value ?? '') : (node.childNodes ?? []).map(textOf).join(''));

/**
 * Every element of an HTML document as a browser's parser sees it (parse5 implements the WHATWG
 * parsing algorithm, SVG foreign content included), in document order.
 */
export function parseElements(html: string): ParsedElement[] {
  const out: ParsedElement[] = [];
  const walk = (node: Node) => {
    if (node.tagName !== undefined) {
      out.push({
        tag: node.tagName,
        namespace: node.namespaceURI ?? '',
        attrs: new Map((node.attrs ?? []).map((a) => [a.name, a.value])),
        text: textOf(node),
      });
    }
    for (const child of node.childNodes ?? []) walk(child);
    if (node.content) walk(node.content);
  };
  walk(parse(html) as unknown as Node);
  return out;
}
