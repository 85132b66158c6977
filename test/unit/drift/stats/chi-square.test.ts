import { describe, expect, it } from 'vitest';
import { CHI_SQUARE, chiSquareContingency, chiSquareGoodnessOfFit } from '../../../../src/drift/stats/chi-square.js';
import { isDrift } from '../../../../src/drift/stats/stattest.js';
import { expectClose, loadFixture, num, type FixtureNumber } from '../fixtures.js';

interface Fixture {
  contingency: { reference: number[]; current: number[]; statistic: FixtureNumber; pvalue: FixtureNumber; dof: number }[];
  goodness_of_fit: { observed: number[]; reference: number[]; statistic: FixtureNumber; pvalue: FixtureNumber }[];
}
const fixture = loadFixture<Fixture>('chi-square.json');

describe('chi-square tests match scipy', () => {
  fixture.contingency.forEach((c, k) => {
    it(`chi2_contingency case ${k} (${c.reference.length} categories, dof ${c.dof})`, () => {
      const r = chiSquareContingency(c.reference, c.current);
      expect(r.dof).toBe(c.dof);
      expectClose(r.statistic, num(c.statistic), 'statistic');
      expectClose(r.pValue, num(c.pvalue), 'p-value');
    });
  });

  fixture.goodness_of_fit.forEach((c, k) => {
    it(`chisquare (Evidently's goodness of fit) case ${k}`, () => {
      const nObs = c.observed.reduce((a, b) => a + b, 0);
      const nRef = c.reference.reduce((a, b) => a + b, 0);
      const r = chiSquareGoodnessOfFit(
        c.observed,
        c.reference.map((v) => v * (nObs / nRef)),
      );
      expectClose(r.statistic, num(c.statistic), 'statistic');
      expectClose(r.pValue, num(c.pvalue), 'p-value');
    });
  });

  it('a category absent from the reference: infinite statistic and p = 0, as scipy', () => {
    const r = chiSquareGoodnessOfFit([5, 7, 3], [6, 0, 9]);
    expect(r.statistic).toBe(Infinity);
    expect(r.pValue).toBe(0);
  });

  it('Yates’ correction only at one degree of freedom; none at zero', () => {
    const corrected = chiSquareContingency([30, 70], [45, 55]);
    const uncorrected = chiSquareContingency([30, 70], [45, 55], false);
    expect(corrected.statistic).toBeLessThan(uncorrected.statistic);
    expect(chiSquareContingency([10, 0], [20, 0])).toEqual({ statistic: 0, pValue: 1, dof: 0 });
  });

  it('drift when p < 0.05, boundary excluded (Evidently)', () => {
    expect(isDrift(CHI_SQUARE, 0.05)).toBe(false);
    expect(isDrift(CHI_SQUARE, 0.049)).toBe(true);
  });
});
