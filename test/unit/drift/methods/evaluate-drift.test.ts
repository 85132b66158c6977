import { describe, expect, it } from 'vitest';
import { STATTESTS, evaluateDrift, numericalColumn, prepareReference, type Column } from '../../../../src/drift/index.js';

const ref = [
  numericalColumn(
    'a',
    Array.from({ length: 200 }, (_, k) => k % 37),
  ),
  numericalColumn(
    'b',
    Array.from({ length: 200 }, (_, k) => (k * 7) % 11),
  ),
];
const cur = [
  numericalColumn(
    'a',
    Array.from({ length: 150 }, (_, k) => k % 37),
  ),
  numericalColumn(
    'b',
    Array.from({ length: 150 }, (_, k) => (k * 5) % 11),
  ),
];

describe('prepareReference / evaluateDrift', () => {
  it('returns the report shape the CLI prints, keyed by column, in column order', () => {
    const report = evaluateDrift(prepareReference(ref), cur);
    expect(Object.keys(report)).toEqual([
      'method',
      'dataset_drift',
      'share_of_drifted_columns',
      'drifted_columns',
      'number_of_columns',
      'columns',
    ]);
    expect(report.method).toBe('tolerance');
    expect(Object.keys(report.columns)).toEqual(['a', 'b']);
    expect(report.columns['a']).toMatchObject({
      column_type: 'num',
      stattest: 'ks_excess',
      threshold: 0.05,
      tolerance: 0.03,
      status: 'ok',
      n_reference: 200,
      n_current: 150,
      missing_ratio: 0,
      reference_missing_ratio: 0,
      unseen_ratio: null,
    });
    expect(report.columns['a']!.score).toBe(report.columns['a']!.p_value);
  });

  it('options given to prepareReference are evaluateDrift’s defaults; explicit options win', () => {
    const prepared = prepareReference(ref, { method: 'evidently' });
    expect(evaluateDrift(prepared, cur).method).toBe('evidently');
    expect(evaluateDrift(prepared, cur, { method: 'robust' }).method).toBe('robust');
  });

  it('the same prepared reference serves many windows and is not modified by them', () => {
    const prepared = prepareReference(ref);
    const first = JSON.stringify(evaluateDrift(prepared, cur));
    evaluateDrift(prepared, [numericalColumn('a', [1, 2, 3]), numericalColumn('b', [])]);
    expect(JSON.stringify(evaluateDrift(prepared, cur))).toBe(first);
  });

  it('a column named __proto__ is an ordinary key of the report', () => {
    const odd: Column[] = [numericalColumn('__proto__', [1, 2, 3, 4])];
    const report = evaluateDrift(prepareReference(odd, { minRows: 1 }), odd);
    expect(Object.keys(report.columns)).toEqual(['__proto__']);
    expect(JSON.parse(JSON.stringify(report)).columns.__proto__.stattest).toBe('ks_excess');
  });

  it('an empty dataset: no columns, no drift', () => {
    expect(evaluateDrift(prepareReference([]), [])).toEqual({
      method: 'tolerance',
      dataset_drift: false,
      share_of_drifted_columns: 0,
      drifted_columns: [],
      number_of_columns: 0,
      columns: {},
    });
  });

  it('structural mistakes throw: column count, names, kinds, duplicate names, bad options', () => {
    const prepared = prepareReference(ref);
    expect(() => evaluateDrift(prepared, cur.slice(0, 1))).toThrow(/2 columns|1 columns/);
    expect(() => evaluateDrift(prepared, [cur[1]!, cur[0]!])).toThrow(TypeError);
    expect(() => evaluateDrift(prepared, [{ ...cur[0]!, kind: 'categorical', categories: [] }, cur[1]!])).toThrow(TypeError);
    expect(() => prepareReference([ref[0]!, ref[0]!])).toThrow(/duplicate/);
    expect(() => prepareReference(ref, { minRows: 0 })).toThrow(RangeError);
    expect(() => prepareReference(ref, { driftShare: 1.5 })).toThrow(RangeError);
    expect(() => prepareReference(ref, { method: 'bogus' as 'robust' })).toThrow(RangeError);
    expect(() => prepareReference(ref, { alpha: 0 })).toThrow(RangeError);
    expect(() => prepareReference(ref, { tolerance: 1 })).toThrow(RangeError);
    expect(() => prepareReference(ref, { columnTolerances: { a: { missingTolerance: -0.1 } } })).toThrow(/a\.missingTolerance/);
  });

  it('every stattest states its decision direction, threshold and sources', () => {
    for (const [name, test] of Object.entries(STATTESTS)) {
      expect(test.name).toBe(name);
      expect(test.direction).toBe(test.yieldsPValue ? 'p_below' : 'distance_above');
      expect(test.defaultThreshold).toBe(test.yieldsPValue ? 0.05 : 0.1);
      expect(test.sources.length).toBeGreaterThan(0);
    }
  });
});
