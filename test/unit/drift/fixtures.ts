/**
 * Reading the fixtures of scripts/drift-fixtures.py (npm run fixtures:generate) and comparing with
 * them: 1e-9 relative, or 1e-12 absolute near 0.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { Column } from '../../../src/drift/index.js';

export type FixtureNumber = number | 'inf' | '-inf' | 'nan';
export interface Sample {
  readonly scale: number;
  readonly values: readonly (number | null | 'inf' | '-inf')[];
}

export function loadFixture<T>(name: string): T & { generated_by: string } {
  const url = new URL(`../../fixtures/drift/${name}`, import.meta.url);
  const fixture = JSON.parse(readFileSync(url, 'utf8')) as T & { generated_by: string };
  expect(fixture.generated_by).toMatch(/^scripts\/drift-fixtures\.py /);
  return fixture;
}

export function num(x: FixtureNumber): number {
  if (x === 'inf') return Infinity;
  if (x === '-inf') return -Infinity;
  if (x === 'nan') return Number.NaN;
  return x;
}

/** The stored integers over the scale: the same doubles Python computed with. */
export function decodeSample(s: Sample): Float64Array {
  return Float64Array.from(s.values, (v) => (v === null ? Number.NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v / s.scale));
}

export const sortedFinite = (x: Float64Array): Float64Array => x.filter(Number.isFinite).sort();

export const RELATIVE = 1e-9;
export const ABSOLUTE = 1e-12;

export function isClose(actual: number, expected: number): boolean {
  if (Number.isNaN(expected)) return Number.isNaN(actual);
  if (!Number.isFinite(expected)) return actual === expected;
  const diff = Math.abs(actual - expected);
  return diff <= ABSOLUTE || diff <= RELATIVE * Math.abs(expected);
}

export function expectClose(actual: number, expected: number, label: string): void {
  expect(isClose(actual, expected), `${label}: got ${actual}, scipy ${expected}`).toBe(true);
}

export interface FixtureColumn {
  readonly name: string;
  readonly kind: 'numerical' | 'categorical';
  readonly categories?: readonly string[];
  readonly reference: Sample | readonly (number | null)[];
  readonly current: Sample | readonly (number | null)[];
}

/** Reference and current datasets from a fixture's columns. */
export function datasets(columns: readonly FixtureColumn[]): { reference: Column[]; current: Column[] } {
  const side = (c: FixtureColumn, which: 'reference' | 'current'): Column => {
    const data = c[which];
    if (c.kind === 'numerical') return { name: c.name, kind: 'numerical', values: decodeSample(data as Sample) };
    const codes = data as readonly (number | null)[];
    return {
      name: c.name,
      kind: 'categorical',
      values: Float64Array.from(codes, (v) => (v === null ? Number.NaN : v)),
      categories: c.categories ?? [],
    };
  };
  return { reference: columns.map((c) => side(c, 'reference')), current: columns.map((c) => side(c, 'current')) };
}

/** Every number anywhere in a JSON-like value. */
export function numbersIn(value: unknown, path = '$', out: [string, number][] = []): [string, number][] {
  if (typeof value === 'number') out.push([path, value]);
  else if (Array.isArray(value)) value.forEach((v, k) => numbersIn(v, `${path}[${k}]`, out));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) numbersIn(v, `${path}.${k}`, out);
  return out;
}
