/**
 * The named shifts of the power study, each a change to one freshly generated transaction (the
 * generating process of the embedded model's data, scripts/train/synthetic-transactions.ts).
 * Each shift touches only the feature it names, so a method's rate for that feature is its power
 * and its rate for the others its false alarms. Missing values are NaN, as the drift window holds
 * a feature the client did not send.
 */
import type { Random } from '../train/random.js';
import type { Transaction } from '../train/synthetic-transactions.js';

export type Row = { -readonly [K in keyof Transaction]: Transaction[K] };
export type Shift = (row: Row, random: Random) => void;

export interface Scenario {
  readonly name: string;
  /** The feature the shift is aimed at (the "power" column); undefined for no drift. */
  readonly feature?: string;
  /** Which tolerance-method signal should see it. */
  readonly signal?: 'distribution' | 'outlier' | 'missing';
  readonly shift: Shift;
}

/** Move `share` of all rows from category `from` to `to` (each `from` row with probability share / P(from)). */
export function moveCategory(field: 'merchant_category' | 'card_type', from: string, to: string, share: number, fromShare: number): Shift {
  const p = share / fromShare;
  return (row, random) => {
    if (row[field] === from && random.uniform() < p) row[field] = to;
  };
}

export const scale =
  (field: NumericField, factor: number): Shift =>
  (row) => {
    row[field] *= factor;
  };
export const add =
  (field: NumericField, delta: number): Shift =>
  (row) => {
    row[field] += delta;
  };
export const missing =
  (field: NumericField, share: number): Shift =>
  (row, random) => {
    if (random.uniform() < share) row[field] = Number.NaN;
  };
/** A broken upstream unit on a share of rows: the value multiplied by `factor`. */
export const contaminate =
  (field: NumericField, share: number, factor: number): Shift =>
  (row, random) => {
    if (random.uniform() < share) row[field] *= factor;
  };
/** Raise the share of 1s of a 0/1 feature by `points` (each 0 becomes 1 with points / P(0)). */
export const raiseBinary =
  (field: NumericField, points: number, zeroShare: number): Shift =>
  (row, random) => {
    if (row[field] === 0 && random.uniform() < points / zeroShare) row[field] = 1;
  };
export const both =
  (...shifts: Shift[]): Shift =>
  (row, random) => {
    for (const s of shifts) s(row, random);
  };

type NumericField = { [K in keyof Row]: Row[K] extends number ? K : never }[keyof Row];

/** Grocery's weight in the generating process (MERCHANT_CATEGORIES). */
const GROCERY = 0.22;

export const NO_DRIFT: Scenario = { name: 'no drift', shift: () => {} };

export const SCENARIOS: readonly Scenario[] = [
  { name: 'amount x1.25', feature: 'amount', signal: 'distribution', shift: scale('amount', 1.25) },
  { name: 'amount x1.5', feature: 'amount', signal: 'distribution', shift: scale('amount', 1.5) },
  { name: 'age +3 years', feature: 'age', signal: 'distribution', shift: add('age', 3) },
  {
    name: 'category mix +10 pp (grocery -> online_retail)',
    feature: 'merchant_category',
    signal: 'distribution',
    shift: moveCategory('merchant_category', 'grocery', 'online_retail', 0.1, GROCERY),
  },
  { name: 'amount 5 % missing (+5 points)', feature: 'amount', signal: 'missing', shift: missing('amount', 0.05) },
  {
    name: 'distance_from_home_km: 2 % x100',
    feature: 'distance_from_home_km',
    signal: 'outlier',
    shift: contaminate('distance_from_home_km', 0.02, 100),
  },
  {
    name: 'joint: amount x1.12, age +1.5, mix +5 pp',
    shift: both(scale('amount', 1.12), add('age', 1.5), moveCategory('merchant_category', 'grocery', 'online_retail', 0.05, GROCERY)),
  },
  // KS distance 0.03 from the population (0.113 at x1.25, about proportional to the log factor):
  // a shift at the default tolerance, where the rate of flagging it is the test's size.
  { name: 'amount x1.06 (at the tolerance)', feature: 'amount', signal: 'distribution', shift: scale('amount', 1.06) },
];
