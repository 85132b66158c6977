import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateDrift, prepareReference, type Column, type DriftMethod } from '../../../../src/drift/index.js';
import { numbersIn } from '../fixtures.js';

const CATEGORIES = ['a', 'b', 'c', 'd'];
const awkwardNumber = fc.oneof(
  { weight: 6, arbitrary: fc.double() },
  { weight: 3, arbitrary: fc.integer({ min: -3, max: 3 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(Number.NaN, Infinity, -Infinity, 0, -0, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, 1e-300),
  },
);
const awkwardCode = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom(Number.NaN, -1, 2.5, 4, 99, Infinity));

/** Reference and current columns of the same names and kinds, 0 to 60 values each, anything in them. */
const columnPair = (k: number) =>
  fc.oneof(
    fc.tuple(fc.array(awkwardNumber, { maxLength: 60 }), fc.array(awkwardNumber, { maxLength: 60 })).map(([r, c]): [Column, Column] => [
      { name: `n${k}`, kind: 'numerical', values: Float64Array.from(r) },
      { name: `n${k}`, kind: 'numerical', values: Float64Array.from(c) },
    ]),
    fc.tuple(fc.array(awkwardCode, { maxLength: 60 }), fc.array(awkwardCode, { maxLength: 60 })).map(([r, c]): [Column, Column] => [
      { name: `c${k}`, kind: 'categorical', values: Float64Array.from(r), categories: CATEGORIES },
      { name: `c${k}`, kind: 'categorical', values: Float64Array.from(c), categories: CATEGORIES },
    ]),
  );
const dataset = fc.integer({ min: 0, max: 5 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, k) => columnPair(k))));

describe('drift reports on arbitrary data', () => {
  for (const method of ['robust', 'evidently'] as DriftMethod[]) {
    it(`${method}: never throws, every number finite, p-values and shares in [0, 1]`, () => {
      fc.assert(
        fc.property(dataset, fc.integer({ min: 1, max: 8 }), (pairs, minRows) => {
          const reference = pairs.map((p) => p[0]);
          const current = pairs.map((p) => p[1]);
          const report = evaluateDrift(prepareReference(reference, { method, minRows }), current);
          // What JSON.stringify would print: no NaN/Infinity anywhere (they would become null).
          for (const [path, value] of numbersIn(report)) expect(Number.isFinite(value), `${path} = ${value}`).toBe(true);
          expect(report.share_of_drifted_columns).toBeGreaterThanOrEqual(0);
          expect(report.share_of_drifted_columns).toBeLessThanOrEqual(1);
          for (const column of Object.values(report.columns)) {
            for (const p of [column.p_value, column.p_value_raw, ...column.tests.map((t) => t.p_value)]) {
              if (p !== null) expect(p >= 0 && p <= 1, `p-value ${p}`).toBe(true);
            }
            expect(column.missing_ratio >= 0 && column.missing_ratio <= 1).toBe(true);
            if (column.status !== 'ok') expect(column.drifted).toBe(false);
            expect(column.drifted).toBe(column.tests.every((t) => t.drifted) && column.status === 'ok');
          }
          expect(JSON.parse(JSON.stringify(report))).toEqual(report);
        }),
        { numRuns: 300 },
      );
    });
  }
});
