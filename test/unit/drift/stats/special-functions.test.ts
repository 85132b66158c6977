import { describe, it } from 'vitest';
import { chdtrc, igam, igamc, ndtr } from '../../../../src/drift/stats/special/cephes.js';
import { kolmogorov, smirnov } from '../../../../src/drift/stats/special/kolmogorov.js';
import { kstwoSf } from '../../../../src/drift/stats/special/kstwo.js';
import { expectClose, loadFixture, num, type FixtureNumber } from '../fixtures.js';

interface Case {
  fn: string;
  args: number[];
  value: FixtureNumber;
}
const { cases } = loadFixture<{ cases: Case[] }>('special-functions.json');

const FUNCTIONS: Record<string, (...args: number[]) => number> = {
  kolmogorov: (x) => kolmogorov(x!),
  smirnov: (n, x) => smirnov(n!, x!),
  kstwo_sf: (x, n) => kstwoSf(x!, n!),
  chi2_sf: (df, x) => chdtrc(df!, x!),
  ndtr: (x) => ndtr(x!),
  gammaincc: (a, x) => igamc(a!, x!),
  gammainc: (a, x) => igam(a!, x!),
};

describe('special functions ported from Cephes and scipy agree with scipy', () => {
  for (const [fn, impl] of Object.entries(FUNCTIONS)) {
    const mine = cases.filter((c) => c.fn === fn);
    it(`${fn}: ${mine.length} points within 1e-9 relative`, () => {
      for (const c of mine) expectClose(impl(...c.args), num(c.value), `${fn}(${c.args.join(', ')})`);
    });
  }
});
