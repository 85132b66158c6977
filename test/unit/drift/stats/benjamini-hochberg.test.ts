import { describe, expect, it } from 'vitest';
import { benjaminiHochberg } from '../../../../src/drift/stats/benjamini-hochberg.js';
import { expectClose, loadFixture, num, type FixtureNumber } from '../fixtures.js';

const { cases } = loadFixture<{ cases: { pvalues: FixtureNumber[]; adjusted: FixtureNumber[] }[] }>('benjamini-hochberg.json');

describe('Benjamini-Hochberg matches scipy.stats.false_discovery_control(method="bh")', () => {
  cases.forEach((c, k) => {
    it(`case ${k}: ${c.pvalues.length} p-values`, () => {
      const adjusted = benjaminiHochberg(c.pvalues.map(num));
      expect(adjusted).toHaveLength(c.adjusted.length);
      adjusted.forEach((q, i) => expectClose(q, num(c.adjusted[i]!), `q[${i}]`));
    });
  });

  it('adjusted p-values keep the order of the raw ones and are never smaller', () => {
    const ps = [0.04, 0.001, 0.03, 0.5, 0.02];
    const qs = benjaminiHochberg(ps);
    ps.forEach((p, i) => expect(qs[i]!).toBeGreaterThanOrEqual(p));
    expect(qs[1]).toBeCloseTo(0.005, 15);
    expect(qs[3]).toBe(0.5);
    // 0.02, 0.03, 0.04 at ranks 2..4 of 5: min over j >= i of p_(j) 5/j = 0.05
    expect([qs[4], qs[2], qs[0]].every((q) => Math.abs(q! - 0.05) < 1e-15)).toBe(true);
  });

  it('an empty family adjusts to nothing', () => {
    expect(benjaminiHochberg([])).toEqual([]);
  });
});
