/**
 * npm run simulate -- [--rate 200] [--duration 60] [--drift amount:+50%] [--labels] (options: USAGE below)
 *
 * Sends realistic traffic (rows of the model's reference.csv) to a running service, optionally
 * shifted, so the drift gauges, dashboards and alerts can be seen to move; with --labels, the
 * ground truth of those rows later, so the model-performance metrics and alerts can too.
 */
import { fileURLToPath } from 'node:url';
import { HELP_OPTION, parseCommandLine, UsageError } from '../src/cli/command-line.js';
import { describeLabelDelay, parseLabelDelay, type LabelOptions } from './simulate/labels.js';
import { parseShift, runSimulation } from './simulate/traffic.js';

const USAGE = `usage: npm run simulate -- [--url http://localhost:8000] [--rate 200] [--duration 60] [--batch 1]
                           [--drift SHIFT]... [--seed 1] [--model fraud-detection] [--version v1.0]
                           [--models-dir models]
                           [--labels [--label-delay 0] [--label-share 1] [--concept-drift]
                            [--feedback-url URL] [--label-batch 100] [--label-queue 100000]]
       npm run simulate -- --help

Sends rows of the model's reference.csv (realistic traffic) to a running service, open loop at
--rate requests per second for --duration seconds; --batch N > 1 sends N rows per request to
/predict/batch. Each --drift (repeatable, or comma-separated) shifts one feature of every row:
  amount:+50%    multiply by 1.5           hour:-3                         add -3
  amount:*2      multiply by 2             merchant_category=electronics   set a category

--labels sends ground truth for the predictions: POST /feedback/batch with each answer's
prediction_id, to --feedback-url (default --url; another replica works if it shares FEEDBACK_KEYS).
A label is a Bernoulli draw with the row's true probability of fraud under the process that
generated the model's training data (scripts/train/synthetic-transactions.ts), for the row as sent
(after any --drift), so it works for the embedded fraud-detection model only.
  --label-delay D     seconds from prediction to label: fixed (30, 2.5, 10m, 2h, 1d) or
                      exponential with that mean (exp:30, exp:2h): most soon, a long tail
  --label-share S     share of predictions that ever get a label, 0..1
  --concept-drift     labels from the concept-drifted relationship instead of the true one: the
                      same inputs, fraud now independent of the amount ratio and likelier with a
                      PIN; the model's precision, recall and AUC fall while no input drifts
Labels wait in a queue of at most --label-queue (more are dropped and counted) and go out when
due, up to --label-batch per request. After --duration the command waits for the pending labels
(Ctrl-C stops it and reports how many were not sent). Rows, labels and delays follow --seed.

Exit 0 when any request succeeded (and, with --labels, any label was accepted or none was due),
1 when all failed, 2 on a bad command line.`;

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
        labels: { type: 'boolean', default: false },
        'label-delay': { type: 'string' },
        'label-share': { type: 'string' },
        'concept-drift': { type: 'boolean', default: false },
        'feedback-url': { type: 'string' },
        'label-batch': { type: 'string' },
        'label-queue': { type: 'string' },
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

const usageError = (message: string): never => {
  console.error(`simulate: ${message} (see npm run simulate -- --help)`);
  process.exit(2);
};
const positive = (name: string, value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) usageError(`--${name} must be a positive number, got ${JSON.stringify(value)}`);
  return n;
};

const labelOnly = (['label-delay', 'label-share', 'concept-drift', 'feedback-url', 'label-batch', 'label-queue'] as const).filter(
  (name) => values[name] !== undefined && values[name] !== false,
);
if (!values.labels && labelOnly.length > 0) usageError(`--${labelOnly[0]} needs --labels`);
let labels: LabelOptions | undefined;
if (values.labels) {
  const share = Number(values['label-share'] ?? '1');
  if (values['label-share']?.trim() === '' || !(share >= 0 && share <= 1))
    usageError(`--label-share must be a number from 0 to 1, got ${JSON.stringify(values['label-share'])}`);
  let delay;
  try {
    delay = parseLabelDelay(values['label-delay'] ?? '0');
  } catch (err) {
    usageError((err as Error).message);
  }
  labels = {
    share,
    delay: delay!,
    conceptDrift: values['concept-drift'],
    ...(values['feedback-url'] !== undefined && { feedbackUrl: values['feedback-url'] }),
    batchSize: Math.round(positive('label-batch', values['label-batch'] ?? '100')),
    queueLimit: Math.round(positive('label-queue', values['label-queue'] ?? '100000')),
  };
}

// Ctrl-C stops the traffic (and the wait for pending labels) and still prints the summary; a
// second one ends the process.
const stop = new AbortController();
process.once('SIGINT', () => stop.abort());

try {
  let shifts;
  try {
    shifts = values.drift
      .flatMap((d) => d.split(','))
      .filter(Boolean)
      .map(parseShift);
  } catch (err) {
    usageError((err as Error).message);
  }
  const options = {
    url: values.url,
    modelsDir: values['models-dir'],
    modelName: values.model,
    modelVersion: values.version,
    rate: positive('rate', values.rate),
    durationSeconds: positive('duration', values.duration),
    batch: Math.round(positive('batch', values.batch)),
    shifts: shifts!,
    seed: Math.round(Number(values.seed)),
    signal: stop.signal,
    ...(labels && { labels }),
  };
  console.log(
    `simulate: ${options.rate} req/s for ${options.durationSeconds} s to ${options.url} (${options.modelName}@${options.modelVersion}, ${options.batch} row(s)/request${options.shifts.length ? `, drift ${values.drift.join(' ')}` : ''})`,
  );
  if (labels) {
    console.log(
      `simulate: labels for ${labels.share * 100}% of predictions after ${describeLabelDelay(labels.delay)}, ${labels.conceptDrift ? 'concept-drifted' : 'true'} relationship, to ${labels.feedbackUrl ?? options.url}/feedback/batch`,
    );
  }
  const result = await runSimulation(options);
  console.log(
    `simulate: sent ${result.sent} requests (${result.rows} rows) in ${result.seconds.toFixed(1)} s; statuses ${JSON.stringify(result.statuses)}${result.skipped ? `; ${result.skipped} skipped (too many in flight)` : ''}`,
  );
  const failed = Object.entries(result.statuses)
    .filter(([status]) => status !== '200')
    .reduce((n, [, c]) => n + c, 0);
  let labelsFailed = false;
  if (result.labels) {
    const l = result.labels;
    console.log(
      `simulate: labels accepted ${l.accepted} (${l.positives} positive) of ${l.sent} sent; ${l.queued} queued, ${l.dropped} dropped (queue full), ${l.unsent} not sent (stopped); feedback statuses ${JSON.stringify(l.statuses)}`,
    );
    labelsFailed = l.sent > 0 && l.accepted === 0;
  }
  process.exitCode = failed === result.sent || labelsFailed ? 1 : 0;
} catch (err) {
  console.error(`simulate: ${(err as Error).message}`);
  process.exitCode = 2;
}
