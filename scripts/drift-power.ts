/**
 * npm run drift:power -- [--null-windows 200] [--shift-windows 100] [--sizes 1000,10000] (USAGE below)
 *
 * The drift power study: how often each method flags drift when there is none, and how often it
 * catches named shifts, on fresh windows from the generating process of the embedded model's
 * data. Prints markdown tables (the README's Drift section quotes them).
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { HELP_OPTION, parseCommandLine, UsageError } from '../src/cli/command-line.js';
import type { DriftMethod } from '../src/drift/index.js';
import { mdsTable, minimumDetectableShifts } from './drift-power/mds.js';
import { NO_DRIFT, SCENARIOS } from './drift-power/scenarios.js';
import { loadReference, runStudy } from './drift-power/study.js';
import { nullTable, powerTable, signalTable, timingTable } from './drift-power/tables.js';

const USAGE = `usage: npm run drift:power -- [--null-windows 200] [--shift-windows 100] [--sizes 1000,10000]
                              [--methods tolerance,robust,evidently] [--seed 14]
                              [--mds-windows 100] [--mds-sizes 1000] [--model-dir DIR]
       npm run drift:power -- --help

Draws fresh windows from the generating process (scripts/train/synthetic-transactions.ts):
--null-windows without drift, --shift-windows per named shift, at each of --sizes rows, and
evaluates every method on the same windows against the model's reference.csv. Prints markdown:
false alarms under no drift, power per shift, the tolerance method's signals, evaluation times,
and the minimum detectable shift per feature (--mds-windows windows per grid point, at each of
--mds-sizes; 0 windows skips it). Rates carry 95 % Wilson intervals. Same options, same output.
Exit 0, or 2 on a bad command line.`;

let values;
try {
  ({ values } = parseCommandLine(
    {
      options: {
        ...HELP_OPTION,
        'null-windows': { type: 'string', default: '200' },
        'shift-windows': { type: 'string', default: '100' },
        sizes: { type: 'string', default: '1000,10000' },
        methods: { type: 'string', default: 'tolerance,robust,evidently' },
        seed: { type: 'string', default: '14' },
        'mds-windows': { type: 'string', default: '100' },
        'mds-sizes': { type: 'string', default: '1000' },
        'model-dir': { type: 'string', default: fileURLToPath(new URL('../models/fraud-detection/v1.0/', import.meta.url)) },
      },
    },
    'npm run drift:power -- --help',
  ));
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  process.stderr.write(`${err.message}\n`);
  process.exit(2);
}
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

function count(name: string, text: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) {
    process.stderr.write(`--${name} must be an integer >= ${min}, got ${JSON.stringify(text)} (see npm run drift:power -- --help)\n`);
    process.exit(2);
  }
  return n;
}
const list = (name: string, text: string) => text.split(',').map((s) => count(name, s.trim(), 10));
const nullWindows = count('null-windows', values['null-windows'], 1);
const shiftWindows = count('shift-windows', values['shift-windows'], 1);
const sizes = list('sizes', values.sizes);
const seed = count('seed', values.seed, 0);
const mdsWindows = count('mds-windows', values['mds-windows'], 0);
const mdsSizes = list('mds-sizes', values['mds-sizes']);
const methods = values.methods.split(',').map((m) => m.trim()) as DriftMethod[];
for (const m of methods) {
  if (!['tolerance', 'robust', 'evidently'].includes(m)) {
    process.stderr.write(`--methods: unknown method ${JSON.stringify(m)} (see npm run drift:power -- --help)\n`);
    process.exit(2);
  }
}
const modelDir = values['model-dir'].endsWith('/') ? values['model-dir'] : `${values['model-dir']}/`;

const reference = loadReference(pathToFileURL(modelDir));
const started = performance.now();
const cells = runStudy({
  reference,
  methods,
  sizes,
  seed,
  scenarios: [{ scenario: NO_DRIFT, windows: nullWindows }, ...SCENARIOS.map((scenario) => ({ scenario, windows: shiftWindows }))],
  onCell: (cell) =>
    process.stderr.write(`${cell.scenario.name} at ${cell.size} rows: ${((performance.now() - started) / 1000).toFixed(0)} s\n`),
});

const out: string[] = [
  `Drift power study: \`npm run drift:power -- --null-windows ${nullWindows} --shift-windows ${shiftWindows} --sizes ${sizes.join(',')} --methods ${methods.join(',')} --seed ${seed} --mds-windows ${mdsWindows} --mds-sizes ${mdsSizes.join(',')}\``,
  `Reference: ${modelDir.replace(/.*\/models\//, 'models/')}reference.csv (${reference.columns[0]!.values.length.toLocaleString('en')} rows); rates with 95 % Wilson intervals.`,
  '',
  `### No drift (${nullWindows} windows per size)`,
  '',
  nullTable(cells, methods),
];
for (const size of sizes) {
  out.push('', `### Shifts at ${size.toLocaleString('en')} rows (${shiftWindows} windows each)`, '', powerTable(cells, methods, size));
}
if (methods.includes('tolerance')) {
  for (const size of sizes)
    out.push('', `### Tolerance method: which signal fired, ${size.toLocaleString('en')} rows`, '', signalTable(cells, size));
}
out.push('', '### Evaluation time (12 features, this process)', '', timingTable(cells, methods));
if (mdsWindows > 0 && methods.includes('tolerance')) {
  for (const size of mdsSizes) {
    out.push('', `### Minimum detectable shift, tolerance method, ${size.toLocaleString('en')} rows`, '');
    out.push(mdsTable(minimumDetectableShifts(reference, size, mdsWindows, seed), size, mdsWindows));
  }
}
process.stdout.write(`${out.join('\n')}\n`);
