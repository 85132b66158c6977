import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { mdsTable, minimumDetectableShifts, SHIFT_FAMILIES } from '../../../scripts/drift-power/mds.js';
import { NO_DRIFT, SCENARIOS } from '../../../scripts/drift-power/scenarios.js';
import { loadReference, runStudy, targetHits } from '../../../scripts/drift-power/study.js';
import { nullTable, powerTable, signalTable, timingTable } from '../../../scripts/drift-power/tables.js';
import { formatRate, wilson } from '../../../scripts/drift-power/wilson.js';

const MODEL_DIR = new URL('../../../models/fraud-detection/v1.0/', import.meta.url);
/** `npm run drift:power` runs `tsx scripts/drift-power.ts`: the same tsx, without npm. */
const TSX = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('Wilson score intervals', () => {
  it('match the closed form (statsmodels proportion_confint(method="wilson") at alpha 0.05)', () => {
    // Python: c = (p + z²/2n) / (1 + z²/n), half = z sqrt(p(1-p)/n + z²/4n²) / (1 + z²/n), z = norm.ppf(0.975).
    const cases: [number, number, number, number][] = [
      [0, 200, 0, 0.018845326377266575],
      [5, 100, 0.02154367915436796, 0.11175046923191913],
      [100, 100, 0.9630065017930143, 1],
      [89, 100, 0.8136870349691969, 0.9374580364293543],
    ];
    for (const [k, n, lower, upper] of cases) {
      const r = wilson(k, n);
      expect(r.lower).toBeCloseTo(lower, 12);
      expect(r.upper).toBeCloseTo(upper, 12);
    }
    expect(formatRate(0, 200)).toBe('0.0 % [0.0, 1.9]');
    expect(() => wilson(3, 2)).toThrow(RangeError);
  });
});

describe('the drift power study (npm run drift:power), in a small configuration', () => {
  const reference = loadReference(MODEL_DIR);

  it('runs every method on the same seeded windows and prints its tables; the same seed gives the same rates', () => {
    const config = {
      reference,
      methods: ['tolerance', 'robust', 'evidently'] as const,
      sizes: [1000],
      seed: 3,
      scenarios: [{ scenario: NO_DRIFT, windows: 2 }, ...SCENARIOS.map((scenario) => ({ scenario, windows: 2 }))],
    };
    const cells = runStudy(config);
    expect(cells).toHaveLength(1 + SCENARIOS.length);
    const amount15 = cells.find((c) => c.scenario.name === 'amount x1.5')!;
    expect(targetHits(amount15, 'tolerance')).toBe(2);
    const missing = cells.find((c) => c.scenario.signal === 'missing')!;
    expect(missing.outcomes['tolerance']!.every((o) => o.missing.includes('amount'))).toBe(true);

    const methods = config.methods;
    const tables = [nullTable(cells, methods), powerTable(cells, methods, 1000), signalTable(cells, 1000), timingTable(cells, methods)];
    for (const t of tables) expect(t).toMatch(/^\| .+ \|\n\| --- \|/);
    expect(tables[1]).toContain('| amount x1.5 | amount | 100.0 % [34.2, 100.0] |');

    const again = runStudy(config).map((c) => Object.values(c.outcomes).map((o) => o.map(({ ms: _ms, ...rest }) => rest)));
    expect(again).toEqual(cells.map((c) => Object.values(c.outcomes).map((o) => o.map(({ ms: _ms, ...rest }) => rest))));
  });

  it('finds a minimum detectable shift on each grid (bisection) and tabulates it', () => {
    const rows = minimumDetectableShifts(reference, 300, 2, 1, SHIFT_FAMILIES.slice(0, 2));
    expect(rows.map((r) => r.feature)).toEqual(['amount', 'age']);
    for (const r of rows) expect(r.shift === undefined || r.power >= 0.9).toBe(true);
    expect(mdsTable(rows, 300, 2)).toContain('| amount | scale factor |');
  });
});

describe('npm run drift:power (the command)', () => {
  it('prints every table for a tiny run; a bad option exits 2 pointing at --help', () => {
    const args = ['--null-windows', '1', '--shift-windows', '1', '--sizes', '200', '--methods', 'tolerance,evidently'];
    const run = spawnSync(TSX, ['scripts/drift-power.ts', ...args, '--mds-windows', '1', '--mds-sizes', '200'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    for (const heading of [
      '### No drift',
      '### Shifts at 200 rows',
      '### Tolerance method: which signal fired',
      '### Evaluation time',
      '### Minimum detectable shift',
    ])
      expect(run.stdout).toContain(heading);
    const bad = spawnSync(TSX, ['scripts/drift-power.ts', '--methods', 'magic'], { cwd: ROOT, encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--help/);
  }, 60_000);
});
