import { describe, expect, it } from 'vitest';
import { isDrift } from '../../../../src/drift/stats/stattest.js';
import { WASSERSTEIN, populationStd, wassersteinDistance, wassersteinNormed } from '../../../../src/drift/stats/wasserstein.js';
import { decodeSample, expectClose, loadFixture, num, sortedFinite, type FixtureNumber, type Sample } from '../fixtures.js';

interface Case {
  name: string;
  a: Sample;
  b: Sample;
  distance: FixtureNumber;
  std_a: FixtureNumber;
  normed: FixtureNumber;
}
const { cases } = loadFixture<{ cases: Case[] }>('wasserstein.json');

describe('Wasserstein-1 matches scipy.stats.wasserstein_distance; the norm matches numpy.std', () => {
  for (const c of cases) {
    it(c.name, () => {
      const a = sortedFinite(decodeSample(c.a));
      const b = sortedFinite(decodeSample(c.b));
      expectClose(wassersteinDistance(a, b), num(c.distance), 'distance');
      expectClose(wassersteinDistance(b, a), num(c.distance), 'distance (swapped)');
      expectClose(populationStd(a), num(c.std_a), 'std');
      expectClose(wassersteinNormed(a, b, populationStd(a)), num(c.normed), 'normed');
    });
  }
});

describe('Wasserstein details', () => {
  it('a constant reference is normed by 0.001, Evidently’s floor', () => {
    const a = Float64Array.from([5, 5, 5]);
    const b = Float64Array.from([5, 5, 6]);
    expect(wassersteinNormed(a, b, populationStd(a))).toBeCloseTo(1 / 3 / 0.001, 9);
  });

  it('drift at a normed distance of 0.1 or more', () => {
    expect(isDrift(WASSERSTEIN, 0.1)).toBe(true);
    expect(isDrift(WASSERSTEIN, 0.0999)).toBe(false);
  });
});
