import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/** A YAML file as data (YAML 1.2; the promtool test files use anchors and aliases). */
export function loadYaml(path: string): unknown {
  return parse(readFileSync(path, 'utf8')) as unknown;
}
