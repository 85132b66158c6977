/**
 * npm run simulate -- [--rate 200] [--duration 60] [--drift amount:+50%] (options: USAGE below)
 *
 * Sends realistic traffic (rows of the model's reference.csv) to a running service, optionally
 * shifted, so the drift gauges, dashboards and alerts can be seen to move.
 */
import { fileURLToPath } from 'node:url';
import { HELP_OPTION, parseCommandLine, UsageError } from '../src/cli/command-line.js';
import { parseShift, runSimulation } from './simulate/traffic.js';

const USAGE = `usage: npm run simulate -- [--url http://localhost:8000] [--rate 200] [--duration 60] [--batch 1]
                           [--drift SHIFT]... [--seed 1] [--model fraud-detection] [--version v1.0]
                           [--models-dir models]
       npm run simulate -- --help

Sends rows of the model's reference.csv (realistic traffic) to a running service, open loop at
--rate requests per second for --duration seconds; --batch N > 1 sends N rows per request to
/predict/batch. Each --drift (repeatable, or comma-separated) shifts one feature of every row:
  amount:+50%    multiply by 1.5           hour:-3                         add -3
  amount:*2      multiply by 2             merchant_category=electronics   set a category
Exit 0 when any request succeeded, 1 when all failed, 2 on a bad command line.`;

let values;
try {
  ({ values } = parseCommandLine(
    {
      options: {
        ...HELP_OPTION,
        url: { type: 'string', default: 'http://localhost:8000' },
        'models-dir': { type: 'string', default: fileURLToPath(new URL('../models', import.meta.url)) },
        model: { type: 'string', default: 'fraud-detection' },
        version: { type: 'string', default: 'v1.0' },
        rate: { type: 'string', default: '200' },
        duration: { type: 'string', default: '60' },
        batch: { type: 'string', default: '1' },
        drift: { type: 'string', multiple: true, default: [] },
        seed: { type: 'string', default: '1' },
      },
    },
    'npm run simulate -- --help',
  ));
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  console.error(`simulate: ${err.message}`);
  process.exit(2);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const positive = (name: string, value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) {
    console.error(`simulate: --${name} must be a positive number, got ${JSON.stringify(value)}`);
    process.exit(2);
  }
  return n;
};

try {
  const shifts = values.drift
    .flatMap((d) => d.split(','))
    .filter(Boolean)
    .map(parseShift);
  const options = {
    url: values.url,
    modelsDir: values['models-dir'],
    modelName: values.model,
    modelVersion: values.version,
    rate: positive('rate', values.rate),
    durationSeconds: positive('duration', values.duration),
    batch: Math.round(positive('batch', values.batch)),
    shifts,
    seed: Math.round(Number(values.seed)),
  };
  console.log(
    `simulate: ${options.rate} req/s for ${options.durationSeconds} s to ${options.url} (${options.modelName}@${options.modelVersion}, ${options.batch} row(s)/request${shifts.length ? `, drift ${values.drift.join(' ')}` : ''})`,
  );
  const result = await runSimulation(options);
  console.log(
    `simulate: sent ${result.sent} requests (${result.rows} rows) in ${result.seconds.toFixed(1)} s; statuses ${JSON.stringify(result.statuses)}${result.skipped ? `; ${result.skipped} skipped (too many in flight)` : ''}`,
  );
  const failed = Object.entries(result.statuses)
    .filter(([status]) => status !== '200')
    .reduce((n, [, c]) => n + c, 0);
  process.exitCode = failed === result.sent ? 1 : 0;
} catch (err) {
  console.error(`simulate: ${(err as Error).message}`);
  process.exitCode = 2;
}
