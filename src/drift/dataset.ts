/**
 * How drift/ sees data: one Float64Array per column, so a whole dataset moves to a worker thread
 * by transferring buffers.
 *   - numerical: the values; NaN and ±Infinity are missing (Evidently drops both).
 *   - categorical: integer codes into `categories`; NaN, and any code that is not an integer in
 *     [0, categories.length), is missing. Reference and current columns share one `categories`
 *     list, so equal codes mean equal values; the current one may extend the reference list with
 *     values the reference never had (see CategoryDictionary).
 */

export type ColumnKind = 'numerical' | 'categorical';

export interface Column {
  readonly name: string;
  readonly kind: ColumnKind;
  readonly values: Float64Array;
  /** Categorical columns only: the value each code stands for. */
  readonly categories?: readonly string[];
}

/** Columns in a fixed order; reference and current have the same names and kinds in that order. */
export type Dataset = readonly Column[];

/** A value that counts as present: finite numbers, or valid codes for a categorical column. */
export function isPresent(column: Column, value: number): boolean {
  if (column.kind === 'numerical') return Number.isFinite(value);
  return Number.isInteger(value) && value >= 0 && value < (column.categories?.length ?? 0);
}

export function numericalColumn(name: string, values: ArrayLike<number | null | undefined>): Column {
  return { name, kind: 'numerical', values: Float64Array.from(values, (v) => (v === null || v === undefined ? Number.NaN : v)) };
}

/** Python's default string order (by code point), which Evidently's sorted() uses. */
export function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const ca = ia.next();
    const cb = ib.next();
    if (ca.done || cb.done) return ca.done ? (cb.done ? 0 : -1) : 1;
    const d = ca.value.codePointAt(0)! - cb.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}

/**
 * Codes for string values, growing as new values appear. Encode the reference first, then the
 * current windows: codes of reference values never change, new values get new codes.
 */
export class CategoryDictionary {
  readonly #codes = new Map<string, number>();
  readonly #categories: string[] = [];

  constructor(initial: Iterable<string> = []) {
    for (const value of initial) this.code(value);
  }

  /** The code of `value`, adding it if new. */
  code(value: string): number {
    let code = this.#codes.get(value);
    if (code === undefined) {
      code = this.#categories.length;
      this.#codes.set(value, code);
      this.#categories.push(value);
    }
    return code;
  }

  /** A snapshot of the categories so far (index = code). */
  get categories(): readonly string[] {
    return [...this.#categories];
  }

  /** Encode values; null and undefined are missing (NaN). */
  encode(values: Iterable<string | null | undefined>): Float64Array {
    const out: number[] = [];
    for (const v of values) out.push(v === null || v === undefined ? Number.NaN : this.code(v));
    return Float64Array.from(out);
  }
}

/**
 * Aligned categorical columns from strings (null/undefined = missing): one categories list over
 * both samples, sorted by code point, shared by both columns.
 */
export function categoricalColumns(
  name: string,
  reference: Iterable<string | null | undefined>,
  current: Iterable<string | null | undefined>,
): { reference: Column; current: Column } {
  const ref = [...reference];
  const cur = [...current];
  const seen = new Set<string>();
  for (const v of [...ref, ...cur]) if (v !== null && v !== undefined) seen.add(v);
  const categories = [...seen].sort(compareCodePoints);
  const dictionary = new CategoryDictionary(categories);
  return {
    reference: { name, kind: 'categorical', values: dictionary.encode(ref), categories },
    current: { name, kind: 'categorical', values: dictionary.encode(cur), categories },
  };
}
