/**
 * The Wilson score interval for a binomial proportion (Wilson 1927, JASA 22(158)), as
 * statsmodels.stats.proportion.proportion_confint(k, n, alpha, method="wilson"): unlike the Wald
 * interval it stays inside [0, 1] and keeps its coverage at 0 of 200 and 100 of 100, the rates a
 * power study reports most.
 */
export interface Interval {
  readonly estimate: number;
  readonly lower: number;
  readonly upper: number;
}

/** z = 1.959963984540054: scipy.stats.norm.ppf(0.975), the 95 % interval. */
export const Z_95 = 1.959963984540054;

export function wilson(successes: number, trials: number, z: number = Z_95): Interval {
  if (!(trials > 0) || successes < 0 || successes > trials) throw new RangeError(`need 0 <= successes <= trials, trials > 0`);
  const p = successes / trials;
  const z2 = z * z;
  const denominator = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / denominator;
  return { estimate: p, lower: Math.max(0, centre - half), upper: Math.min(1, centre + half) };
}

/** "12.0 % [7.8, 17.9]": a rate and its 95 % Wilson interval, in percent. */
export function formatRate(successes: number, trials: number): string {
  const { estimate, lower, upper } = wilson(successes, trials);
  const pct = (x: number) => (100 * x).toFixed(1);
  return `${pct(estimate)} % [${pct(lower)}, ${pct(upper)}]`;
}
