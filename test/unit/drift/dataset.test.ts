import { describe, expect, it } from 'vitest';
import { CategoryDictionary, categoricalColumns, compareCodePoints, isPresent, numericalColumn } from '../../../src/drift/index.js';

describe('dataset helpers', () => {
  it('categoricalColumns codes both samples over one sorted category list; null is missing', () => {
    const { reference, current } = categoricalColumns('c', ['web', 'pos', null, 'web'], ['app', 'pos', undefined]);
    expect(reference.categories).toEqual(['app', 'pos', 'web']);
    expect(current.categories).toBe(reference.categories);
    expect([...reference.values]).toEqual([2, 1, Number.NaN, 2]);
    expect([...current.values]).toEqual([0, 1, Number.NaN]);
  });

  it('CategoryDictionary keeps the codes it gave and appends new values', () => {
    const d = new CategoryDictionary(['b', 'a']);
    expect([...d.encode(['a', 'c', null, 'b'])]).toEqual([1, 2, Number.NaN, 0]);
    expect(d.categories).toEqual(['b', 'a', 'c']);
  });

  it('sorts strings by code point, as Python does (not by UTF-16 unit or locale)', () => {
    expect(['b', 'B', 'a', '\u{1F600}', '\uFF5E'].sort(compareCodePoints)).toEqual(['B', 'a', 'b', '\uFF5E', '\u{1F600}']);
  });

  it('missing: NaN and ±Infinity for numbers; NaN and codes outside the categories for categories', () => {
    const num = numericalColumn('x', [1, null, Number.NaN, Infinity]);
    expect([...num.values].map((v) => isPresent(num, v))).toEqual([true, false, false, false]);
    const cat = { name: 'c', kind: 'categorical' as const, values: Float64Array.of(0), categories: ['a', 'b'] };
    expect([0, 1, 2, -1, 0.5, Number.NaN].map((v) => isPresent(cat, v))).toEqual([true, true, false, false, false, false]);
  });
});
