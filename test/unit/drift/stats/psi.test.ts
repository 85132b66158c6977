import { describe, expect, it } from 'vitest';
import { jensenShannonDistance } from '../../../../src/drift/stats/jensen-shannon.js';
import { PSI, fillZeroShares, fillZeroSharesEvidently, psi, shares } from '../../../../src/drift/stats/psi.js';
import { isDrift } from '../../../../src/drift/stats/stattest.js';
import { expectClose, loadFixture, num, type FixtureNumber } from '../fixtures.js';

interface Case {
  reference_counts: number[];
  current_counts: number[];
  psi_evidently_fill: FixtureNumber;
  psi_fixed_fill: FixtureNumber;
  jensenshannon: FixtureNumber;
  jensenshannon_base2: FixtureNumber;
}
const { cases } = loadFixture<{ cases: Case[] }>('psi-jensen-shannon.json');

describe('PSI and Jensen-Shannon match the Python reference', () => {
  for (const c of cases) {
    it(`counts ${JSON.stringify(c.reference_counts).slice(0, 40)} vs ${JSON.stringify(c.current_counts).slice(0, 40)}`, () => {
      const r = Float64Array.from(c.reference_counts);
      const k = Float64Array.from(c.current_counts);
      const rs = shares(
        r,
        r.reduce((a, b) => a + b, 0),
      );
      const ks = shares(
        k,
        k.reduce((a, b) => a + b, 0),
      );
      expectClose(psi(fillZeroSharesEvidently(rs), fillZeroSharesEvidently(ks)), num(c.psi_evidently_fill), 'psi, Evidently fill');
      expectClose(psi(fillZeroShares(rs), fillZeroShares(ks)), num(c.psi_fixed_fill), 'psi, 1e-4 fill');
      expectClose(jensenShannonDistance(rs, ks), num(c.jensenshannon), 'jensenshannon');
      expectClose(jensenShannonDistance(rs, ks, 2), num(c.jensenshannon_base2), 'jensenshannon base 2');
    });
  }
});

describe('PSI zero fill', () => {
  it('Evidently fills with 1e-4, or min share / 1e6 when the smallest share is at most 1e-4', () => {
    expect([...fillZeroSharesEvidently(Float64Array.from([0.5, 0.5, 0]))]).toEqual([0.5, 0.5, 1e-4]);
    expect([...fillZeroSharesEvidently(Float64Array.from([0.99995, 0.00005, 0]))]).toEqual([0.99995, 0.00005, 0.00005 / 1e6]);
  });

  it('identical distributions have PSI 0; drift at PSI 0.1 or more', () => {
    const s = Float64Array.from([0.2, 0.3, 0.5]);
    expect(psi(s, s)).toBe(0);
    expect(isDrift(PSI, 0.1)).toBe(true);
    expect(isDrift(PSI, 0.099)).toBe(false);
  });
});
