import { writeFile } from 'node:fs/promises';
import { createRandom } from '../train/random.js';
import { FEATURES, generateTransaction } from '../train/synthetic-transactions.js';
import { applyShifts, parseShift } from '../simulate/traffic.js';

/** `npm run simulate`'s drift scenario (README, "Drift"): amounts 50% higher. */
export const SCENARIO_SHIFTS: readonly string[] = ['amount:+50%'];

const cell = (value: number | string | undefined) => {
  if (value === undefined) return '';
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/**
 * `rows` transactions from the process that generated the model's training data
 * (scripts/train/synthetic-transactions.ts), seeded, with the scenario's shifts applied as
 * `npm run simulate -- --drift` applies them; written as a CSV in the model's feature order.
 */
export async function writeScenarioCsv(path: string, options: { rows: number; seed: number; shifts?: readonly string[] }): Promise<void> {
  const random = createRandom(options.seed);
  const shifts = (options.shifts ?? SCENARIO_SHIFTS).map(parseShift);
  const names = FEATURES.map((f) => f.name);
  const lines = [names.join(',')];
  for (let i = 0; i < options.rows; i++) {
    const row = applyShifts({ ...generateTransaction(random) }, shifts);
    lines.push(names.map((name) => cell(row[name])).join(','));
  }
  await writeFile(path, `${lines.join('\n')}\n`);
}
