import { describe, expect, it } from 'vitest';
import { proportionsZTest } from '../../../../src/drift/stats/z-test.js';
import { expectClose, loadFixture, num, type FixtureNumber } from '../fixtures.js';

interface Case {
  positives1: number;
  n1: number;
  positives2: number;
  n2: number;
  statistic: FixtureNumber;
  pvalue: FixtureNumber;
}
const { cases } = loadFixture<{ cases: Case[] }>('z.json');

describe('two-proportion z-test matches Evidently’s arithmetic', () => {
  for (const c of cases) {
    it(`${c.positives1}/${c.n1} vs ${c.positives2}/${c.n2}`, () => {
      const r = proportionsZTest(c.positives1, c.n1, c.positives2, c.n2);
      expectClose(r.statistic, num(c.statistic), 'z');
      expectClose(r.pValue, num(c.pvalue), 'p-value');
    });
  }

  it('p = 2 (1 - Phi(|z|)) reaches exactly 0 for large |z|, as in Evidently', () => {
    expect(proportionsZTest(0, 10000, 5000, 10000).pValue).toBe(0);
  });
});
