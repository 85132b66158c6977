import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDriftCommand, type FeatureBinsReport } from '../../../src/cli/drift-command.js';
import { InputError } from '../../../src/cli/csv-table.js';
import { PACKAGED_MODELS_DIR } from '../../../src/config/index.js';
import type { DriftReport } from '../../../src/drift/index.js';

/**
 * `ml-service drift --model-dir`: the embedded model's reference and schema, and the fleet bins
 * the service exports, with the current file's counts and the PSI computed from them.
 */

const MODEL_DIR = join(PACKAGED_MODELS_DIR, 'fraud-detection', 'v1.0');
const dir = mkdtempSync(join(tmpdir(), 'ml-service-drift-command-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const referenceLines = readFileSync(join(MODEL_DIR, 'reference.csv'), 'utf8').trim().split('\n');
const HEADER = referenceLines[0]!.split(',');

function write(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

type ModelDirOutput = DriftReport & { model_name: string; model_version: string; bins: Record<string, FeatureBinsReport> };
async function modelDir(current: string, ...more: string[]): Promise<ModelDirOutput> {
  const { output } = await runDriftCommand(['--model-dir', MODEL_DIR, '--current', current, ...more]);
  return JSON.parse(output) as ModelDirOutput;
}

describe('ml-service drift --model-dir', () => {
  it("the first 400 reference rows: every feature's bin PSI equals the report's robust PSI; counts add up to the rows", async () => {
    const out = await modelDir(write('head.csv', referenceLines.slice(0, 401)));
    expect(out).toMatchObject({ model_name: 'fraud-detection', model_version: 'v1.0', number_of_columns: 12 });
    expect(Object.keys(out.bins)).toEqual(HEADER);
    for (const [name, feature] of Object.entries(out.bins)) {
      expect(feature.rows, name).toBe(400);
      expect(
        feature.bins.reduce((sum, b) => sum + b.count, 0),
        name,
      ).toBe(400);
      expect(feature.psi!, name).toBeCloseTo(out.columns[name]!.psi!, 12);
      const shares = feature.bins.filter((b) => b.bin !== 'missing').reduce((sum, b) => sum + b.ratio!, 0);
      expect(shares, name).toBeCloseTo(1, 12);
    }
    // Numeric: robust decile bins (10 for amount), upper edges increasing, the last bin open.
    const amount = out.bins['amount']!;
    expect(amount.bins.map((b) => b.bin)).toEqual(['q00', 'q01', 'q02', 'q03', 'q04', 'q05', 'q06', 'q07', 'q08', 'q09', 'missing']);
    expect(amount.bins.at(-2)!.upper_edge).toBeNull();
    expect(amount.bins.every((b) => b.reference_ratio === (b.bin === 'missing' ? 0 : 0.1))).toBe(true);
  });

  it('amount tripled -> its PSI from the bins is large and equals the report; other features unchanged', async () => {
    const amountAt = HEADER.indexOf('amount');
    const tripled = referenceLines.slice(1, 401).map((line) => {
      const cells = line.split(',');
      cells[amountAt] = String(Number(cells[amountAt]) * 3);
      return cells.join(',');
    });
    const out = await modelDir(write('tripled.csv', [referenceLines[0]!, ...tripled]));
    expect(out.bins['amount']!.psi!).toBeGreaterThan(0.5);
    expect(out.bins['amount']!.psi!).toBeCloseTo(out.columns['amount']!.psi!, 12);
    expect(out.drifted_columns).toContain('amount');
  });

  it('empty cells count as missing (outside the PSI), unknown categories as unseen; values are read as float32', async () => {
    const cardAt = HEADER.indexOf('card_type');
    const amountAt = HEADER.indexOf('amount');
    const rows = referenceLines.slice(1, 201).map((line, r) => {
      const cells = line.split(',');
      if (r < 10) cells[cardAt] = 'gold';
      else if (r < 15) cells[cardAt] = '';
      if (r < 3) cells[amountAt] = '';
      return cells.join(',');
    });
    const out = await modelDir(write('odd.csv', [referenceLines[0]!, ...rows]));
    const card = Object.fromEntries(out.bins['card_type']!.bins.map((b) => [b.bin, b]));
    expect(card['unseen']!.count).toBe(10);
    expect(card['missing']).toMatchObject({ count: 5, ratio: 5 / 200 });
    expect(out.bins['card_type']!.values).toBe(195);
    expect(out.bins['card_type']!.psi!).toBeCloseTo(out.columns['card_type']!.psi!, 12);
    expect(out.bins['amount']!).toMatchObject({ rows: 200, values: 197 });
    expect(out.bins['amount']!.psi!).toBeCloseTo(out.columns['amount']!.psi!, 12);
  });

  it('--format table adds one line per bin', async () => {
    const { output } = await runDriftCommand([
      '--model-dir',
      MODEL_DIR,
      '--current',
      write('table.csv', referenceLines.slice(0, 201)),
      '--format',
      'table',
    ]);
    expect(output).toMatch(/^fleet bins \(ml_drift_bin_rows_total\):$/m);
    expect(output).toMatch(/^ {2}prepaid +\d+ +0\.\d{4} {2}reference 0\.0962$/m);
  });

  it('bad input -> InputError naming the file: --reference with --model-dir, a column outside the schema, a non-number', async () => {
    const head = write('ok.csv', referenceLines.slice(0, 3));
    await expect(runDriftCommand(['--model-dir', MODEL_DIR, '--reference', head, '--current', head])).rejects.toThrow(InputError);
    const extra = write('extra.csv', [`${referenceLines[0]},colour`, `${referenceLines[1]},red`]);
    await expect(modelDir(extra)).rejects.toThrow(/extra\.csv:1:13: column\(s\) not in the model's schema: colour/);
    const word = write('word.csv', [referenceLines[0]!, referenceLines[1]!.replace(/^[^,]+/, 'ten')]);
    await expect(modelDir(word)).rejects.toThrow(/word\.csv:2:1: amount must be a float32 number, got "ten"/);
    await expect(modelDir(head).then(() => runDriftCommand(['--model-dir', join(dir, 'nowhere'), '--current', head]))).rejects.toThrow(
      /schema\.json: cannot read schema: ENOENT/,
    );
  });
});
