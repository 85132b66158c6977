import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../../src/cli/csv-table.js';
import { runDriftCommand } from '../../../src/cli/drift-command.js';
import { PACKAGED_MODELS_DIR } from '../../../src/config/index.js';
import { parseElements } from '../../helpers/html.js';

/** `ml-service drift --format html [--output FILE]`: the self-contained report page. */

const MODEL_DIR = join(PACKAGED_MODELS_DIR, 'fraud-detection', 'v1.0');
const dir = mkdtempSync(join(tmpdir(), 'ml-service-drift-html-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

const rows = (n: number, line: (i: number) => string) => Array.from({ length: n }, (_, i) => line(i));
const reference = write('reference.csv', ['amount,channel', ...rows(300, (i) => `${i % 100},${['web', 'pos', 'app'][i % 3]}`)]);
// amount doubled; channel: a value the reference never had, and missing cells.
const current = write('current.csv', [
  'amount,channel',
  ...rows(300, (i) => `${(i % 100) * 2},${i % 10 === 0 ? 'kiosk' : i % 10 === 1 ? '' : ['web', 'pos', 'app'][i % 3]}`),
]);

describe('ml-service drift --format html', () => {
  it('--output FILE: writes the page there (stdout empty, a notice naming the file); the drifted column first, with its chart', async () => {
    const output = join(dir, 'report.html');
    const result = await runDriftCommand(['--reference', reference, '--current', current, '--format', 'html', '--output', output]);
    expect(result.output).toBe('');
    const html = readFileSync(output, 'utf8');
    expect(result.notice).toBe(`wrote ${output} (${Buffer.byteLength(html)} bytes)`);
    expect(result.report!.drifted_columns).toContain('amount');

    const elements = parseElements(html);
    const articles = elements.filter((el) => el.tag === 'article');
    expect(articles.map((a) => a.attrs.get('data-column')).sort()).toEqual(['amount', 'channel']);
    // Drifted columns first.
    const drifted = articles.map((a) => a.attrs.get('data-drifted'));
    expect(drifted[0]).toBe('true');
    expect(drifted).toEqual([...drifted].sort().reverse());
    expect(elements.filter((el) => el.tag === 'svg')).toHaveLength(2);
    expect(elements.some((el) => el.tag === 'script' || el.tag === 'link' || el.tag === 'img')).toBe(false);
    const csp = elements.find((el) => el.tag === 'meta' && el.attrs.get('http-equiv') === 'Content-Security-Policy');
    expect(csp!.attrs.get('content')).toMatch(/^default-src 'none';/);

    // The unseen category and the missing cells, in the shares table and the signals.
    const channel = articles.find((a) => a.attrs.get('data-column') === 'channel')!;
    expect(channel.text).toContain('kiosk (unseen)');
    expect(channel.text).toContain(`missing (current / reference)${(10).toFixed(2)}% / 0.00%`);
    expect(channel.text).toContain(`unseen categories (current)${((30 / 270) * 100).toFixed(2)}%`);
    expect(channel.text).toMatch(/Why this test: Tolerance method, categorical column/);
  });

  it('without --output the page goes to stdout; --model-dir titles it with the model and lists its twelve features', async () => {
    const head = readFileSync(join(MODEL_DIR, 'reference.csv'), 'utf8').trim().split('\n').slice(0, 301);
    const { output, notice } = await runDriftCommand(['--model-dir', MODEL_DIR, '--current', write('head.csv', head), '--format', 'html']);
    expect(notice).toBeUndefined();
    const elements = parseElements(output);
    expect(elements.find((el) => el.tag === 'title')!.text).toBe('Drift report: fraud-detection@v1.0');
    expect(elements.filter((el) => el.tag === 'article')).toHaveLength(12);
    expect(elements.filter((el) => el.tag === 'article' && el.attrs.get('data-drifted') === 'true')).toHaveLength(0);
  });

  it('a bad --format or an --output that cannot be written -> InputError (exit 2) naming the option', async () => {
    await expect(runDriftCommand(['--reference', reference, '--current', current, '--format', 'pdf'])).rejects.toThrow(
      new InputError('--format must be json, table or html, got "pdf"'),
    );
    const nowhere = join(dir, 'no-such-dir', 'report.html');
    await expect(
      runDriftCommand(['--reference', reference, '--current', current, '--format', 'html', '--output', nowhere]),
    ).rejects.toThrow(new InputError(`--output ${nowhere}: cannot write: ENOENT`));
  });
});
