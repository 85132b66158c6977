/**
 * Minimum detectable shift per feature: the smallest shift on a grid, in the feature's own units,
 * that the tolerance method flags in at least 90 % of windows (the feature's `drifted`, Holm over
 * the whole evaluation as in the service). Found by bisection on the grid (power grows with the
 * shift), `windows` fresh windows per point.
 */
import { evaluateDrift, prepareReference } from '../../src/drift/index.js';
import { createRandom } from '../train/random.js';
import { add, moveCategory, raiseBinary, scale, type Shift } from './scenarios.js';
import { generateWindow, type Reference } from './study.js';
import { wilson } from './wilson.js';

export interface ShiftFamily {
  readonly feature: string;
  readonly unit: string;
  readonly grid: readonly number[];
  readonly shift: (x: number) => Shift;
  readonly label: (x: number) => string;
}

const factors = [1.05, 1.1, 1.15, 1.2, 1.25, 1.3, 1.4, 1.5, 1.75, 2, 3];
const steps = (from: number, to: number, by: number) => Array.from({ length: Math.round((to - from) / by) + 1 }, (_, k) => from + k * by);
const times = (x: number) => `x${x}`;
const plus = (unit: string) => (x: number) => `+${x} ${unit}`;
const points = (x: number) => `+${Math.round(x * 100)} pp`;

/** Grocery's and credit's weights, and the shares of 0 of the binary features, in the generating process. */
export const SHIFT_FAMILIES: readonly ShiftFamily[] = [
  { feature: 'amount', unit: 'scale factor', grid: factors, shift: (x) => scale('amount', x), label: times },
  { feature: 'age', unit: 'years', grid: steps(1, 10, 1), shift: (x) => add('age', x), label: plus('years') },
  // Integer features move by whole units (a fractional shift would move every value off its atom).
  { feature: 'hour', unit: 'hours', grid: steps(1, 6, 1), shift: (x) => add('hour', x), label: plus('h') },
  { feature: 'distance_from_home_km', unit: 'scale factor', grid: factors, shift: (x) => scale('distance_from_home_km', x), label: times },
  {
    feature: 'distance_from_last_transaction_km',
    unit: 'scale factor',
    grid: factors,
    shift: (x) => scale('distance_from_last_transaction_km', x),
    label: times,
  },
  {
    feature: 'transactions_last_24h',
    unit: 'share of rows with one more transaction',
    grid: steps(0.02, 1, 0.02),
    shift: (x) => (row, random) => {
      if (random.uniform() < x) row.transactions_last_24h += 1;
    },
    label: (x) => `${Math.round(x * 100)} % +1`,
  },
  { feature: 'account_age_days', unit: 'scale factor', grid: factors, shift: (x) => scale('account_age_days', x), label: times },
  {
    feature: 'ratio_to_median_purchase',
    unit: 'scale factor',
    grid: factors,
    shift: (x) => scale('ratio_to_median_purchase', x),
    label: times,
  },
  { feature: 'is_online', unit: 'pp of 1s', grid: steps(0.01, 0.3, 0.01), shift: (x) => raiseBinary('is_online', x, 0.85), label: points },
  { feature: 'used_pin', unit: 'pp of 1s', grid: steps(0.01, 0.3, 0.01), shift: (x) => raiseBinary('used_pin', x, 0.6), label: points },
  {
    feature: 'merchant_category',
    unit: 'pp moved grocery -> online_retail',
    grid: steps(0.01, 0.22, 0.01),
    shift: (x) => moveCategory('merchant_category', 'grocery', 'online_retail', x, 0.22),
    label: points,
  },
  {
    feature: 'card_type',
    unit: 'pp moved credit -> prepaid',
    grid: steps(0.01, 0.3, 0.01),
    shift: (x) => moveCategory('card_type', 'credit', 'prepaid', x, 0.46),
    label: points,
  },
];

export interface DetectableShift {
  readonly feature: string;
  readonly unit: string;
  /** Label of the smallest grid shift with power >= 90 %, or undefined when none on the grid. */
  readonly shift: string | undefined;
  readonly power: number;
  readonly lower: number;
  /** The grid point below it and its power, when there is one. */
  readonly below?: { readonly shift: string; readonly power: number };
}

export function minimumDetectableShifts(
  reference: Reference,
  size: number,
  windows: number,
  seed: number,
  families: readonly ShiftFamily[] = SHIFT_FAMILIES,
): DetectableShift[] {
  const prepared = prepareReference(reference.columns, { method: 'tolerance' });
  return families.map((family, f) => {
    const powerAt = (k: number): number => {
      const random = createRandom((seed * 1_000_003 + f * 104_729 + k * 7919 + size) >>> 0);
      const scenario = { name: family.feature, shift: family.shift(family.grid[k]!) };
      let hits = 0;
      for (let w = 0; w < windows; w++) {
        const report = evaluateDrift(prepared, generateWindow(reference.features, scenario, size, random));
        if (report.columns[family.feature]!.drifted) hits++;
      }
      return hits / windows;
    };
    const measured = new Map<number, number>();
    const power = (k: number) => measured.get(k) ?? (measured.set(k, powerAt(k)), measured.get(k)!);
    let lo = 0;
    let hi = family.grid.length - 1;
    if (power(hi) < 0.9) return { feature: family.feature, unit: family.unit, shift: undefined, power: power(hi), lower: 0 };
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (power(mid) >= 0.9) hi = mid;
      else lo = mid + 1;
    }
    const p = power(hi);
    return {
      feature: family.feature,
      unit: family.unit,
      shift: family.label(family.grid[hi]!),
      power: p,
      lower: wilson(Math.round(p * windows), windows).lower,
      ...(hi > 0 && measured.has(hi - 1) ? { below: { shift: family.label(family.grid[hi - 1]!), power: measured.get(hi - 1)! } } : {}),
    };
  });
}

export function mdsTable(rows: readonly DetectableShift[], size: number, windows: number): string {
  const lines = [
    `| feature | unit | smallest shift with power >= 90 % at ${size.toLocaleString('en')} rows | its power (${windows} windows) | the grid point below |`,
    '| --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    const below = r.below ? `${r.below.shift}: ${(100 * r.below.power).toFixed(0)} %` : '';
    lines.push(`| ${r.feature} | ${r.unit} | ${r.shift ?? 'beyond the grid'} | ${(100 * r.power).toFixed(0)} % | ${below} |`);
  }
  return lines.join('\n');
}
