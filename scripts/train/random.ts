import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

/**
 * Seeded random draws for the synthetic data set. xoroshiro128+ (pure-rand) with 53-bit doubles;
 * every transform below uses only +, -, *, /, Math.log/exp/sqrt/cos, which V8 computes the same
 * way on every platform, so the same seed gives the same data set byte for byte.
 */
export interface Random {
  uniform(): number;
  normal(mean: number, sd: number): number;
  /** exp(N(ln median, sigma)). */
  logNormal(median: number, sigma: number): number;
  poisson(lambda: number): number;
  bernoulli(p: number): boolean;
  /** Index drawn with the given (unnormalised) weights. */
  weightedIndex(weights: readonly number[]): number;
  integer(minInclusive: number, maxInclusive: number): number;
}

export function createRandom(seed: number): Random {
  const rng = xoroshiro128plus(seed);
  const uniform = () => uniformFloat64(rng);
  const normal = (mean: number, sd: number) => {
    // Box-Muller; 1 - u keeps the log argument in (0, 1].
    const u1 = 1 - uniform();
    const u2 = uniform();
    return mean + sd * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  };
  return {
    uniform,
    normal,
    logNormal: (median, sigma) => median * Math.exp(normal(0, sigma)),
    poisson: (lambda) => {
      // Knuth's multiplication method: fine for the small rates used here.
      const limit = Math.exp(-lambda);
      let k = 0;
      let p = uniform();
      while (p > limit) {
        k++;
        p *= uniform();
      }
      return k;
    },
    bernoulli: (p) => uniform() < p,
    weightedIndex: (weights) => {
      const total = weights.reduce((a, b) => a + b, 0);
      let u = uniform() * total;
      for (let i = 0; i < weights.length; i++) {
        u -= weights[i]!;
        if (u < 0) return i;
      }
      return weights.length - 1;
    },
    integer: (min, max) => min + Math.floor(uniform() * (max - min + 1)),
  };
}
