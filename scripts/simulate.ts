/**
 * npm run simulate -- [--url http://localhost:8000] [--rate 200] [--duration 60] [--batch 1]
 *                     [--drift amount:+50%] [--drift merchant_category=electronics] [--seed 1]
 *
 * Sends realistic traffic (rows of the model's reference.csv) to a running service, optionally
 * shifted, so the drift gauges, dashboards and alerts can be seen to move.
 */
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { parseShift, runSimulation } from './simulate/traffic.js';

const { values } = parseArgs({
  options: {
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
});

const positive = (name: string, value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) {
    console.error(`simulate: --${name} must be a positive number, got ${JSON.stringify(value)}`);
    process.exit(2);
  }
  return n;
};

try {
  const shifts = values.drift.flatMap((d) => d.split(',')).filter(Boolean).map(parseShift);
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
  const failed = Object.entries(result.statuses).filter(([status]) => status !== '200').reduce((n, [, c]) => n + c, 0);
  process.exitCode = failed === result.sent ? 1 : 0;
} catch (err) {
  console.error(`simulate: ${(err as Error).message}`);
  process.exitCode = 2;
}
