import { describe, expect, it } from 'vitest';
import { evaluateDrift, numericalColumn, prepareReference, TOLERANCE_DEFAULTS, type Column } from '../../../../src/drift/index.js';

/**
 * n values at the (k + 0.5) / n quantiles of a logistic distribution with unit variance
 * (scale sqrt(3) / pi): a sample without sampling noise, so the distances below are exact.
 */
function quantiles(n: number, shift = 0): Float64Array {
  return Float64Array.from({ length: n }, (_, k) => {
    const u = (k + 0.5) / n;
    return shift + (Math.sqrt(3) / Math.PI) * Math.log(u / (1 - u));
  });
}
const categorical = (name: string, codes: readonly number[], categories: readonly string[]): Column => ({
  name,
  kind: 'categorical',
  values: Float64Array.from(codes),
  categories,
});
const codes = (counts: readonly number[]) => counts.flatMap((c, code) => Array.from({ length: c }, () => code));

describe('the tolerance method', () => {
  const reference: Column[] = [
    numericalColumn('x', quantiles(5000)),
    numericalColumn('y', quantiles(5000)),
    categorical('c', codes([2000, 2000, 1000]), ['a', 'b', 'c']),
  ];
  const prepared = prepareReference(reference);
  const evaluate = (x: Float64Array, y: Float64Array, c: readonly number[], options = {}) =>
    evaluateDrift(prepared, [numericalColumn('x', x), numericalColumn('y', y), categorical('c', c, ['a', 'b', 'c'])], options);

  it('the same distribution: nothing drifts, and every column reports its effect, tolerance, bound and signals', () => {
    const report = evaluate(quantiles(1000), quantiles(1000), codes([400, 400, 200]));
    expect(report).toMatchObject({ method: 'tolerance', dataset_drift: false, drifted_columns: [] });
    const x = report.columns['x']!;
    expect(x).toMatchObject({ stattest: 'ks_excess', tolerance: TOLERANCE_DEFAULTS.tolerance, effect_lower_bound: 0, outlier_ratio: 0.02 });
    expect(x.effect).toBeLessThan(0.01);
    expect(x.tests.map((t) => t.stattest)).toEqual(['ks_excess', 'outlier_share']);
    expect(x.tests[0]).toMatchObject({ tolerance: 0.03, threshold: 0.05, direction: 'p_below', drifted: false });
    expect(x.missing_test).toMatchObject({ stattest: 'missing_share', statistic: 0, tolerance: 0.02, drifted: false });
    expect(report.columns['c']).toMatchObject({ stattest: 'tv_excess', effect: 0 });
    expect(report.columns['c']!.outlier_ratio).toBeUndefined();
  });

  it('a shift far beyond the tolerance drifts, and the lower bound of the effect is above the tolerance', () => {
    const report = evaluate(quantiles(1000, 0.5), quantiles(1000), codes([400, 400, 200]));
    expect(report.drifted_columns).toEqual(['x']);
    expect(report.dataset_drift).toBe(true);
    expect(report.columns['x']!.effect_lower_bound).toBeGreaterThan(0.03);
  });

  it('a shift inside the tolerance never drifts, however large the window (significance is not the question)', () => {
    // KS distance about 0.016: scipy's ks_2samp would reject it at 50,000 rows; the tolerance does not.
    const big = prepareReference([numericalColumn('x', quantiles(50_000))]);
    const report = evaluateDrift(big, [numericalColumn('x', quantiles(50_000, 0.04))]);
    expect(report.columns['x']!.effect).toBeGreaterThan(0.01);
    expect(report.columns['x']!.drifted).toBe(false);
    expect(report.columns['x']!.p_value_raw).toBe(1);
  });

  it('a category mix moved by 20 points drifts on total variation', () => {
    const report = evaluate(quantiles(1000), quantiles(1000), codes([200, 400, 400]));
    expect(report.drifted_columns).toEqual(['c']);
    expect(report.columns['c']!.effect).toBeCloseTo(0.2, 12);
  });

  it('missingness is its own signal: 10 % missing fires missing_test, not the feature nor the dataset', () => {
    const x = quantiles(1000).map((v, k) => (k % 10 === 0 ? Number.NaN : v));
    const report = evaluate(x, quantiles(1000), codes([400, 400, 200]));
    expect(report.columns['x']!.missing_test).toMatchObject({ drifted: true, tolerance: 0.02 });
    expect(report.columns['x']!.missing_test!.statistic).toBeCloseTo(0.1, 12);
    expect(report.columns['x']!.drifted).toBe(false);
    expect(report.dataset_drift).toBe(false);
  });

  it('a feature clients stopped sending: no values to compare, but the missing share is still tested', () => {
    const report = evaluate(new Float64Array(1000).fill(Number.NaN), quantiles(1000), codes([400, 400, 200]));
    expect(report.columns['x']).toMatchObject({ status: 'insufficient_data', drifted: false });
    expect(report.columns['x']!.missing_test).toMatchObject({ drifted: true, statistic: 1 });
  });

  it('contamination the KS distance cannot see (4 % of values x100) fires the outlier signal, which drifts the feature', () => {
    const x = quantiles(10_000).map((v, k) => (k % 25 === 0 ? v * 100 + 1000 : v));
    const big = evaluate(x, quantiles(1000), codes([400, 400, 200]));
    const column = big.columns['x']!;
    expect(column.effect).toBeLessThan(0.05);
    expect(column.tests.find((t) => t.stattest === 'outlier_share')).toMatchObject({ drifted: true });
    expect(column.drifted).toBe(true);
    expect(column.outlier_ratio! - column.reference_outlier_ratio!).toBeGreaterThan(0.03);
  });

  it('Holm runs over every signal of every column: a weak signal that survives alone does not survive a family', () => {
    const x = quantiles(1000, 0.2);
    const alone = evaluateDrift(prepareReference([reference[0]!]), [numericalColumn('x', x)]);
    const together = evaluate(x, quantiles(1000), codes([400, 400, 200]));
    expect(together.columns['x']!.p_value!).toBeGreaterThan(alone.columns['x']!.p_value!);
    expect(together.columns['x']!.p_value_raw).toBe(alone.columns['x']!.p_value_raw);
  });

  it('per-column tolerances override the defaults; the options are checked', () => {
    const report = evaluate(quantiles(1000, 0.5), quantiles(1000), codes([400, 400, 200]), {
      columnTolerances: { x: { tolerance: 0.5 } },
    });
    expect(report.columns['x']).toMatchObject({ drifted: false, tolerance: 0.5 });
    expect(() => prepareReference(reference, { outlierTolerance: -1 })).toThrow(RangeError);
  });

  it('fewer current values than minRows: no decision on the values', () => {
    const report = evaluate(quantiles(50, 2), quantiles(50), codes([20, 20, 10]));
    expect(report.drifted_columns).toEqual([]);
    expect(report.columns['x']!.status).toBe('insufficient_data');
    expect(report.columns['x']!.missing_test!.drifted).toBe(false);
  });
});
