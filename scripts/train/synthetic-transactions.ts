import type { Random } from './random.js';

/**
 * A synthetic card-transaction generator. There is no public fraud data set we may ship, so the
 * data are simulated from a documented process: customer traits, a merchant category that sets
 * the amount and channel, and a fraud probability from a logistic model with the interactions
 * fraud teams describe (card-not-present at night with an unusual amount, new accounts, velocity,
 * distance). Labels are Bernoulli draws, so even a perfect model cannot reach AUC 1.
 */

export interface MerchantCategory {
  readonly name: string;
  readonly weight: number;
  readonly medianAmount: number;
  readonly amountSigma: number;
  readonly onlineShare: number;
  readonly risk: number;
}

export const MERCHANT_CATEGORIES: readonly MerchantCategory[] = [
  { name: 'grocery', weight: 0.22, medianAmount: 42, amountSigma: 0.6, onlineShare: 0.04, risk: -0.6 },
  { name: 'gas_transport', weight: 0.14, medianAmount: 38, amountSigma: 0.5, onlineShare: 0.02, risk: -0.3 },
  { name: 'restaurant', weight: 0.14, medianAmount: 31, amountSigma: 0.6, onlineShare: 0.06, risk: -0.4 },
  { name: 'retail', weight: 0.12, medianAmount: 68, amountSigma: 0.8, onlineShare: 0.05, risk: 0 },
  { name: 'online_retail', weight: 0.12, medianAmount: 55, amountSigma: 0.9, onlineShare: 1, risk: 0.5 },
  { name: 'entertainment', weight: 0.08, medianAmount: 45, amountSigma: 0.8, onlineShare: 0.35, risk: 0.1 },
  { name: 'health', weight: 0.06, medianAmount: 60, amountSigma: 0.8, onlineShare: 0.1, risk: -0.3 },
  { name: 'travel', weight: 0.05, medianAmount: 320, amountSigma: 0.9, onlineShare: 0.6, risk: 0.6 },
  { name: 'electronics', weight: 0.07, medianAmount: 240, amountSigma: 0.9, onlineShare: 0.5, risk: 0.9 },
];

export const CARD_TYPES = [
  { name: 'credit', weight: 0.46, pinShare: 0.25, risk: 0.2 },
  { name: 'debit', weight: 0.44, pinShare: 0.75, risk: 0 },
  { name: 'prepaid', weight: 0.1, pinShare: 0.5, risk: 1 },
] as const;

export interface Transaction {
  amount: number;
  age: number;
  hour: number;
  distance_from_home_km: number;
  distance_from_last_transaction_km: number;
  transactions_last_24h: number;
  account_age_days: number;
  ratio_to_median_purchase: number;
  is_online: number;
  used_pin: number;
  merchant_category: string;
  card_type: string;
}

export type FeatureName = keyof Transaction;

/** Feature metadata, in model input order; the training script adds each missing_value. */
export const FEATURES: readonly { name: FeatureName; type: 'numeric' | 'categorical'; integer?: boolean; description: string }[] = [
  { name: 'amount', type: 'numeric', description: 'Transaction amount in the card currency' },
  { name: 'age', type: 'numeric', integer: true, description: 'Card holder age in years' },
  { name: 'hour', type: 'numeric', integer: true, description: 'Local hour of the transaction, 0-23' },
  { name: 'distance_from_home_km', type: 'numeric', description: 'Distance between the merchant and the card holder home' },
  { name: 'distance_from_last_transaction_km', type: 'numeric', description: 'Distance from the previous transaction of the card' },
  { name: 'transactions_last_24h', type: 'numeric', integer: true, description: 'Transactions of the card in the preceding 24 hours' },
  { name: 'account_age_days', type: 'numeric', integer: true, description: 'Days since the account was opened' },
  { name: 'ratio_to_median_purchase', type: 'numeric', description: "Amount divided by the card holder's median purchase" },
  { name: 'is_online', type: 'numeric', integer: true, description: '1 for card-not-present (online) transactions, else 0' },
  { name: 'used_pin', type: 'numeric', integer: true, description: '1 if the PIN was entered, else 0' },
  { name: 'merchant_category', type: 'categorical', description: 'Merchant category' },
  { name: 'card_type', type: 'categorical', description: 'Card product' },
];

export const CATEGORIES: Readonly<Record<'merchant_category' | 'card_type', readonly string[]>> = {
  merchant_category: MERCHANT_CATEGORIES.map((c) => c.name),
  card_type: CARD_TYPES.map((c) => c.name),
};

const round = (value: number, decimals: number) => {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
};
const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));

/** One transaction of a random card holder. */
export function generateTransaction(random: Random): Transaction {
  const age = clamp(Math.round(random.normal(44, 15)), 18, 95);
  const accountAgeDays = clamp(Math.round(random.logNormal(720, 1.1)), 1, 9000);
  const customerMedian = random.logNormal(48, 0.5);
  const category = MERCHANT_CATEGORIES[random.weightedIndex(MERCHANT_CATEGORIES.map((c) => c.weight))]!;
  const card = CARD_TYPES[random.weightedIndex(CARD_TYPES.map((c) => c.weight))]!;
  const amount = Math.max(0.5, round(random.logNormal(category.medianAmount, category.amountSigma), 2));
  const isOnline = random.bernoulli(category.onlineShare) ? 1 : 0;
  // Daytime peak around 14:30, plus a flat share of the clock.
  const hour = random.bernoulli(0.9) ? ((Math.round(random.normal(14.5, 3.8)) % 24) + 24) % 24 : random.integer(0, 23);
  const travelFactor = category.name === 'travel' ? 12 : 1;
  return {
    amount,
    age,
    hour,
    distance_from_home_km: round(random.logNormal(7, 1.1) * travelFactor, 1),
    distance_from_last_transaction_km: round(random.logNormal(2.5, 1.3), 1),
    transactions_last_24h: random.poisson(2.2) + (isOnline ? random.poisson(0.5) : 0),
    account_age_days: accountAgeDays,
    ratio_to_median_purchase: round(amount / customerMedian, 3),
    is_online: isOnline,
    used_pin: isOnline ? 0 : random.bernoulli(card.pinShare) ? 1 : 0,
    merchant_category: category.name,
    card_type: card.name,
  };
}

/** Log-odds of fraud for a transaction: the ground truth the model has to learn. */
export function fraudLogit(t: Transaction): number {
  const category = MERCHANT_CATEGORIES.find((c) => c.name === t.merchant_category)!;
  const card = CARD_TYPES.find((c) => c.name === t.card_type)!;
  const night = t.hour <= 5 ? 1 : 0;
  return (
    -5.6 +
    0.95 * Math.log(Math.max(t.ratio_to_median_purchase, 0.01)) +
    1.1 * night +
    0.45 * Math.log1p(t.distance_from_home_km / 25) +
    0.35 * Math.log1p(t.distance_from_last_transaction_km / 10) +
    0.28 * Math.min(t.transactions_last_24h, 12) -
    0.35 * Math.log1p(t.account_age_days / 30) +
    0.7 * t.is_online -
    1.3 * t.used_pin +
    category.risk +
    card.risk +
    0.9 * t.is_online * night * (t.ratio_to_median_purchase > 3 ? 1 : 0) +
    (t.age >= 75 ? 0.5 : 0) +
    (t.age <= 22 ? 0.3 : 0)
  );
}

/** The true P(fraud | row): a label drawn with this probability is what the generator draws. */
export function fraudProbability(t: Transaction): number {
  return 1 / (1 + Math.exp(-fraudLogit(t)));
}

/**
 * Log-odds of fraud after a concept drift: the same transactions, a changed relationship to
 * fraud. Fraudsters now keep to the card holder's usual amounts, so the amount ratio (the
 * model's strongest feature, with the card-not-present-at-night-with-an-unusual-amount
 * interaction) no longer matters; and skimmed cards with captured PINs appear, so entering the
 * PIN, which the model learned as reassuring (-1.3), now raises the odds (+0.6). Every other term
 * is unchanged, and the intercept (-4.75 instead of -5.6) keeps the fraud rate of the reference
 * distribution where it was (about 2.1 %), so only the ranking, not the base rate, moves.
 * scripts/train-model.ts measures what this does to the embedded model (its README.md, "Concept drift").
 */
export function conceptDriftedFraudLogit(t: Transaction): number {
  const category = MERCHANT_CATEGORIES.find((c) => c.name === t.merchant_category)!;
  const card = CARD_TYPES.find((c) => c.name === t.card_type)!;
  const night = t.hour <= 5 ? 1 : 0;
  return (
    -4.75 +
    1.1 * night +
    0.45 * Math.log1p(t.distance_from_home_km / 25) +
    0.35 * Math.log1p(t.distance_from_last_transaction_km / 10) +
    0.28 * Math.min(t.transactions_last_24h, 12) -
    0.35 * Math.log1p(t.account_age_days / 30) +
    0.7 * t.is_online +
    0.6 * t.used_pin +
    category.risk +
    card.risk +
    (t.age >= 75 ? 0.5 : 0) +
    (t.age <= 22 ? 0.3 : 0)
  );
}

/** P(fraud | row) under the concept drift of conceptDriftedFraudLogit. */
export function conceptDriftedFraudProbability(t: Transaction): number {
  return 1 / (1 + Math.exp(-conceptDriftedFraudLogit(t)));
}

export function generateLabelledTransactions(random: Random, count: number): { rows: Transaction[]; labels: Uint8Array } {
  const rows: Transaction[] = [];
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const t = generateTransaction(random);
    rows.push(t);
    labels[i] = random.uniform() < fraudProbability(t) ? 1 : 0;
  }
  return { rows, labels };
}
