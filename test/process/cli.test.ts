import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/** `npx ml-service drift …` runs bin/ml-service.js: the test runs the same file. */
const BIN = fileURLToPath(new URL('../../bin/ml-service.js', import.meta.url));
/** `npm run drift` runs `node dist/cli.js drift` (npm test builds first). */
const DIST_CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
/** `npm run simulate` and `npm run stack` run `tsx scripts/<name>.ts`: the same tsx, without npm. */
const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ml-service-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function csv(name: string, header: string[], rows: (string | number)[][]): string {
  const path = join(dir, name);
  writeFileSync(path, [header.join(','), ...rows.map((r) => r.join(','))].join('\n') + '\n');
  return path;
}
function run(command: string, args: readonly string[]) {
  const result = spawnSync(command, [...args], { cwd: ROOT, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
const cli = (...args: string[]) => run(process.execPath, [BIN, ...args]);

/** A seeded uniform generator (mulberry32), so the files are the same on every run. */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rnd = random(7);
const HEADER = ['amount', 'channel', 'age'];
const make = (n: number, shift: number) =>
  Array.from({ length: n }, () => [
    (100 + shift + 20 * (rnd() + rnd() + rnd() - 1.5)).toFixed(3),
    rnd() < 0.7 ? 'pos' : 'web',
    Math.floor(18 + 60 * rnd()),
  ]);
const reference = csv('reference.csv', HEADER, make(2000, 0));
const clean = csv('clean.csv', HEADER, make(800, 0));
const shifted = csv('shifted.csv', HEADER, make(800, 15));

interface CliReport {
  dataset_drift: boolean;
  share_of_drifted_columns: number;
  drifted_columns: string[];
  number_of_columns: number;
  columns: Record<
    string,
    { stattest: string; score: number; threshold: number; drifted: boolean; statistic: number; p_value: number | null; column_type: string }
  >;
}

describe('ml-service drift (command line)', () => {
  it('prints the report as JSON: a shifted column drifts, the others do not; exit 0', () => {
    const run = cli('drift', '--reference', reference, '--current', shifted, '--method', 'evidently');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as CliReport;
    expect(report.number_of_columns).toBe(3);
    expect(report.drifted_columns).toEqual(['amount']);
    expect(report.share_of_drifted_columns).toBeCloseTo(1 / 3, 12);
    expect(report.dataset_drift).toBe(false);
    // n_ref > 1000: Evidently's choices are normed Wasserstein (> 5 values) and Jensen-Shannon (categorical).
    expect(report.columns['amount']).toMatchObject({ column_type: 'num', stattest: 'wasserstein', drifted: true, threshold: 0.1 });
    expect(report.columns['channel']).toMatchObject({ column_type: 'cat', stattest: 'jensenshannon', drifted: false });
    expect(report.columns['age']!.stattest).toBe('wasserstein');
  });

  it('clean data -> nothing drifts; --categorical turns a numeric column categorical; --format table', () => {
    const run = cli('drift', '--reference', reference, '--current', clean, '--method', 'evidently');
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as CliReport).drifted_columns).toEqual([]);
    // As categories, age's 60 values over 800 rows: Jensen-Shannon instead of Wasserstein.
    const asCategories = cli('drift', '--reference', reference, '--current', clean, '--method', 'evidently', '--categorical', 'age');
    expect(asCategories.code).toBe(0);
    expect((JSON.parse(asCategories.stdout) as CliReport).columns['age']).toMatchObject({ column_type: 'cat', stattest: 'jensenshannon' });

    const table = cli('drift', '--reference', reference, '--current', shifted, '--format', 'table');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^column\s+type\s+stattest\s+score/);
    expect(table.stdout).toMatch(/^amount .*DRIFT$/m);
    expect(table.stdout).toMatch(/dataset drift: /);
  });

  it('--format html --output FILE: exit 0, the page in FILE (a chart per column, the drifted one first), one line on stderr, nothing on stdout', () => {
    const page = join(dir, 'report.html');
    const run = cli('drift', '--reference', reference, '--current', shifted, '--format', 'html', '--output', page);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(new RegExp(`^ml-service drift: wrote ${page.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(\\d+ bytes\\)\n$`));
    const html = readFileSync(page, 'utf8');
    expect(html.match(/<svg /g)).toHaveLength(HEADER.length);
    expect(html.match(/<article [^>]*data-column="([^"]+)"/)![1]).toBe('amount');
    const unwritable = cli(
      'drift',
      '--reference',
      reference,
      '--current',
      shifted,
      '--format',
      'html',
      '--output',
      join(dir, 'none', 'r.html'),
    );
    expect(unwritable.code).toBe(2);
    expect(unwritable.stderr).toMatch(/^ml-service drift: --output .*: cannot write: ENOENT\n$/);
  });

  it('bad input -> exit 2 and one line naming the file, line and column', () => {
    const bad = csv('bad.csv', HEADER, [
      ['1', 'pos', '30'],
      ['2', '"unterminated', '31'],
    ]);
    let run = cli('drift', '--reference', reference, '--current', bad);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(`${bad}:3`);

    const lacking = csv('lacking.csv', ['amount', 'channel'], [['1', 'pos']]);
    run = cli('drift', '--reference', reference, '--current', lacking);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`${lacking}:1:1: lacks column\\(s\\) of the reference: age`));

    run = cli('drift', '--reference', join(dir, 'nope.csv'), '--current', clean);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('nope.csv: cannot read: ENOENT');

    run = cli('drift', '--reference', reference, '--current', clean, '--categorical', 'nope');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--categorical names "nope"');

    run = cli('drift', '--reference', reference);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--reference and --current are required');

    run = cli('explode');
    expect(run.code).toBe(2);
  });
});

/** Every command users type, as they type it (after npm's `--`), and the start of its usage. */
const COMMANDS = [
  { name: 'ml-service', argv: (...a: string[]) => [process.execPath, [BIN, ...a]] as const, usage: 'usage: ml-service <command>' },
  {
    name: 'ml-service drift',
    argv: (...a: string[]) => [process.execPath, [BIN, 'drift', ...a]] as const,
    usage: 'usage: ml-service drift --reference',
  },
  {
    name: 'npm run drift',
    argv: (...a: string[]) => [process.execPath, [DIST_CLI, 'drift', ...a]] as const,
    usage: 'usage: ml-service drift --reference',
  },
  {
    name: 'npm run simulate',
    argv: (...a: string[]) => [TSX, ['scripts/simulate.ts', ...a]] as const,
    usage: 'usage: npm run simulate --',
  },
  { name: 'npm run stack', argv: (...a: string[]) => [TSX, ['scripts/stack.ts', ...a]] as const, usage: 'usage: npm run stack' },
  {
    name: 'npm run train-model',
    argv: (...a: string[]) => [TSX, ['scripts/train-model.ts', ...a]] as const,
    usage: 'usage: npm run train-model',
  },
  {
    name: 'npm run dashboards',
    argv: (...a: string[]) => [TSX, ['scripts/dashboards.ts', ...a]] as const,
    usage: 'usage: npm run dashboards',
  },
  {
    name: 'node dist/cli.js',
    argv: (...a: string[]) => [process.execPath, [DIST_CLI, ...a]] as const,
    usage: 'usage: ml-service <command>',
  },
];

describe('--help, -h and unknown options on every command', () => {
  for (const { name, argv, usage } of COMMANDS) {
    it(`${name} --help and -h -> the usage on stdout, nothing on stderr, exit 0`, () => {
      for (const flag of ['--help', '-h']) {
        const result = run(...argv(flag));
        expect(result.stderr, `${name} ${flag}`).toBe('');
        expect(result.code, `${name} ${flag}`).toBe(0);
        expect(result.stdout.startsWith(usage), `${name} ${flag} printed:\n${result.stdout}`).toBe(true);
        expect(result.stdout).toContain(' --help');
      }
    });

    it(`${name} --no-such-option -> one line naming the option and --help on stderr, exit 2`, () => {
      const result = run(...argv('--no-such-option'));
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr.trimEnd().split('\n'), result.stderr).toHaveLength(1);
      expect(result.stderr).toContain("Unknown option '--no-such-option'");
      expect(result.stderr).toContain('--help');
    });
  }

  // The benchmark runner passes unknown options on to the benchmarks (strict: false): --help only.
  it('npm run bench --help and -h -> the usage on stdout, exit 0 (no benchmark starts)', () => {
    for (const flag of ['--help', '-h']) {
      const result = run(TSX, ['bench/run.ts', flag]);
      expect(result.code, flag).toBe(0);
      expect(result.stdout.startsWith('usage: npm run bench'), result.stdout).toBe(true);
    }
  });

  it('ml-service with an unknown command or none -> one line pointing at ml-service --help, exit 2', () => {
    for (const args of [['explode'], []]) {
      const result = cli(...args);
      expect(result.code).toBe(2);
      expect(result.stderr.trimEnd().split('\n'), result.stderr).toHaveLength(1);
      expect(result.stderr).toContain('ml-service --help');
    }
  });
});
