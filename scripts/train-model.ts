/**
 * npm run train-model [-- --out DIR]
 *
 * Generates the synthetic card-transaction data set, trains gradient-boosted trees, exports them
 * to ONNX and writes models/fraud-detection/v1.0/{model.onnx, schema.json, reference.csv,
 * performance.json, README.md}.
 * Fixed seed, no clock, no parallelism: the output is identical byte for byte on every run
 * (test/process/train-model.test.ts regenerates it and compares).
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { HELP_OPTION, parseCommandLine, UsageError } from '../src/cli/command-line.js';
import { compileFeatureSchema, encodeRow, type ModelSchemaFile } from '../src/model/feature-schema.js';
import { averagePrecision, brierScore, logLoss, recallAtAlertRate, rocAuc } from './train/classification-metrics.js';
import { buildPerformanceReport } from './train/performance-card.js';
import { fitBoostedTrees, predictMargin, sigmoid, type BoostingParams, type Matrix } from './train/gradient-boosting.js';
import { exportTreesToOnnx } from './train/onnx-export.js';
import { createRandom } from './train/random.js';
import {
  CATEGORIES,
  conceptDriftedFraudProbability,
  FEATURES,
  fraudLogit,
  generateLabelledTransactions,
  type Transaction,
} from './train/synthetic-transactions.js';

const SEED = 20_251_102;
const TRAIN_ROWS = 60_000;
const HOLDOUT_ROWS = 20_000;
/** Where the decision threshold is chosen: drawn after the holdout, so train and holdout are unchanged. */
const VALIDATION_ROWS = 20_000;
const REFERENCE_ROWS = 5_000;
const PARAMS: BoostingParams = { trees: 150, maxDepth: 4, learningRate: 0.1, lambda: 1, minChildWeight: 1, maxBins: 64 };
const NAME = 'fraud-detection';
const VERSION = 'v1.0';

const USAGE = `usage: npm run train-model [-- --out DIR]
       npm run train-model -- --help

Generates the synthetic transactions, trains the fraud-detection model and writes model.onnx,
schema.json, reference.csv, performance.json and README.md to DIR (default: models/fraud-detection/v1.0).
The same bytes on every run.`;

let args;
try {
  ({ values: args } = parseCommandLine({ options: { ...HELP_OPTION, out: { type: 'string' } } }, 'npm run train-model -- --help'));
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  console.error(`train-model: ${err.message}`);
  process.exit(2);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const outDir = resolve(args.out ?? join(import.meta.dirname, '..', 'models', NAME, VERSION));

const random = createRandom(SEED);
const train = generateLabelledTransactions(random, TRAIN_ROWS);
const holdout = generateLabelledTransactions(random, HOLDOUT_ROWS);
const validation = generateLabelledTransactions(random, VALIDATION_ROWS);

const schemaFile: ModelSchemaFile = {
  format_version: 1,
  name: NAME,
  version: VERSION,
  framework: 'onnx',
  task: 'binary_classification',
  description: 'Probability that a card transaction is fraudulent (synthetic training data; see README.md)',
  positive_label: 'fraud',
  input: { name: 'features' },
  output: { name: 'probability', positive_class_index: 1 },
  features: FEATURES.map((f) =>
    f.type === 'numeric'
      ? {
          name: f.name,
          type: 'numeric',
          description: f.description,
          integer: f.integer ?? false,
          missing_value: median(train.rows, f.name),
        }
      : {
          name: f.name,
          type: 'categorical',
          description: f.description,
          categories: [...CATEGORIES[f.name as keyof typeof CATEGORIES]],
          missing_value: mode(train.rows, f.name),
        },
  ),
};
const schema = compileFeatureSchema(schemaFile);

// Encode with the service's own encoder, so training and serving cannot disagree on the layout.
const encode = (rows: readonly Transaction[]): Matrix => {
  const data = new Float32Array(rows.length * schema.width);
  rows.forEach((row, i) => encodeRow(schema, row as unknown as Record<string, unknown>, data, i * schema.width, 'row'));
  return { data, rows: rows.length, columns: schema.width };
};
const xTrain = encode(train.rows);
const xHoldout = encode(holdout.rows);
const xValidation = encode(validation.rows);

const model = fitBoostedTrees(xTrain, train.labels, PARAMS);
const expected = Array.from(predictMargin(model, xHoldout), sigmoid);

const onnxBytes = exportTreesToOnnx(model, {
  inputName: schemaFile.input.name,
  outputName: schemaFile.output.name,
  width: schema.width,
  docString: `${NAME} ${VERSION}: gradient-boosted trees on a synthetic card-transaction data set; input layout in schema.json`,
  metadata: { model_name: NAME, model_version: VERSION, seed: String(SEED) },
});

// The exported graph must reproduce the trainer's own evaluation before anything is written.
const session = await ort.InferenceSession.create(onnxBytes, { intraOpNumThreads: 1 });
const serve = async (x: Matrix) => {
  const result = await session.run({ features: new ort.Tensor('float32', x.data, [x.rows, schema.width]) });
  return result['probability']!.data as Float32Array;
};
const served = await serve(xHoldout);
const servedValidation = await serve(xValidation);
await session.release();
let maxDiff = 0;
for (let i = 0; i < served.length; i++) maxDiff = Math.max(maxDiff, Math.abs(served[i]! - expected[i]!));
if (!(maxDiff < 1e-5)) throw new Error(`onnxruntime disagrees with the trained trees: max |Δp| = ${maxDiff}`);

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
let positives = 0;
for (const label of holdout.labels) positives += label;
const metrics = {
  holdout_roc_auc: round6(rocAuc(served, holdout.labels)),
  holdout_pr_auc: round6(averagePrecision(served, holdout.labels)),
  holdout_log_loss: round6(logLoss(served, holdout.labels)),
  holdout_brier: round6(brierScore(served, holdout.labels)),
  holdout_recall_at_1pct_alerts: round6(recallAtAlertRate(served, holdout.labels, 0.01)),
  holdout_positive_rate: round6(positives / HOLDOUT_ROWS),
  /** Ceiling for any model: the AUC of the probabilities the labels were drawn from. */
  holdout_roc_auc_of_true_probabilities: round6(
    rocAuc(
      holdout.rows.map((t) => sigmoid(fraudLogit(t))),
      holdout.labels,
    ),
  ),
  holdout_rows: HOLDOUT_ROWS,
  train_rows: TRAIN_ROWS,
};
const finalSchema: ModelSchemaFile = {
  ...schemaFile,
  training: { algorithm: 'gradient-boosted trees, binary log-loss (scripts/train/gradient-boosting.ts)', seed: SEED, ...PARAMS },
  metrics,
};

// Labels of the same holdout rows under the concept drift, from a stream of their own.
const driftRandom = createRandom(SEED + 3);
const driftedProbabilities = holdout.rows.map(conceptDriftedFraudProbability);
const driftedLabels = Uint8Array.from(driftedProbabilities, (p) => (driftRandom.uniform() < p ? 1 : 0));
const performance = buildPerformanceReport({
  holdoutScores: served,
  holdoutLabels: holdout.labels,
  validationScores: servedValidation,
  validationLabels: validation.labels,
  driftedLabels,
  driftedProbabilities,
  bootstrapRandom: createRandom(SEED + 1),
  calibrationRandom: createRandom(SEED + 2),
});

const featureColumns = FEATURES.map((f) => f.name);
const referenceCsv =
  [
    featureColumns.join(','),
    ...holdout.rows.slice(0, REFERENCE_ROWS).map((row) => featureColumns.map((c) => String(row[c])).join(',')),
  ].join('\n') + '\n';

await mkdir(outDir, { recursive: true });
await writeFile(join(outDir, 'model.onnx'), onnxBytes);
await writeFile(join(outDir, 'schema.json'), `${JSON.stringify(finalSchema, null, 2)}\n`);
await writeFile(join(outDir, 'reference.csv'), referenceCsv);
await writeFile(join(outDir, 'performance.json'), `${JSON.stringify(performance.file, null, 2)}\n`);
await writeFile(join(outDir, 'README.md'), modelReadme(finalSchema, metrics, model.gainByColumn, onnxBytes, maxDiff));
console.log(
  `wrote ${outDir}: ROC AUC ${metrics.holdout_roc_auc}, PR AUC ${metrics.holdout_pr_auc}, max |onnx - trainer| ${maxDiff.toExponential(2)}; ${performance.summary}`,
);

function median(rows: readonly Transaction[], name: keyof Transaction): number {
  const values = rows.map((r) => r[name] as number).sort((a, b) => a - b);
  const mid = values.length / 2;
  return values.length % 2 ? values[Math.floor(mid)]! : (values[mid - 1]! + values[mid]!) / 2;
}

function mode(rows: readonly Transaction[], name: keyof Transaction): string {
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r[name] as string, (counts.get(r[name] as string) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0];
}

function modelReadme(file: ModelSchemaFile, m: typeof metrics, gainByColumn: Float64Array, onnx: Uint8Array, onnxDiff: number): string {
  // Gain of a categorical feature is the sum over its one-hot columns.
  const compiled = compileFeatureSchema(file);
  const gains = file.features.map((f, i) => {
    const width = f.type === 'numeric' ? 1 : f.categories.length;
    let gain = 0;
    for (let c = 0; c < width; c++) gain += gainByColumn[compiled.offsetOf(i) + c]!;
    return { name: f.name, gain };
  });
  const totalGain = gains.reduce((a, g) => a + g.gain, 0);
  const featureRows = file.features.map((f) => {
    const share = gains.find((g) => g.name === f.name)!.gain / totalGain;
    const kind = f.type === 'numeric' ? (f.integer ? 'numeric (integer)' : 'numeric') : `categorical: ${f.categories.join(', ')}`;
    return `| \`${f.name}\` | ${kind} | ${f.missing_value} | ${(share * 100).toFixed(1)} % | ${f.description ?? ''} |`;
  });
  return `# fraud-detection v1.0

Generated by \`npm run train-model\` (scripts/train-model.ts); do not edit by hand. Running the
script again rewrites these five files identically, byte for byte.

## Data
${TRAIN_ROWS.toLocaleString('en')} training and ${HOLDOUT_ROWS.toLocaleString('en')} holdout card transactions drawn from the synthetic process in
\`scripts/train/synthetic-transactions.ts\` (seed ${SEED}): card-holder traits, a merchant category
that sets amount and channel, and a fraud label drawn from a logistic model with the interactions
fraud teams report (card-not-present at night with an unusual amount, new accounts, velocity,
distance from home). The labels are random draws, so no model can score AUC 1 on them.
A further ${VALIDATION_ROWS.toLocaleString('en')} validation transactions, drawn after the holdout, choose the decision threshold.

## Model
Gradient-boosted trees for binary log-loss (\`scripts/train/gradient-boosting.ts\`): ${PARAMS.trees} trees of
depth ≤ ${PARAMS.maxDepth}, learning rate ${PARAMS.learningRate}, L2 λ = ${PARAMS.lambda}, min child hessian ${PARAMS.minChildWeight},
≤ ${PARAMS.maxBins} float32 thresholds per input column. Exported as ONNX (IR 8, opset 17 + ai.onnx.ml 3):
\`TreeEnsembleRegressor\` → \`Sigmoid\`; input \`features\` float32 [N, ${compiled.width}], output \`probability\`
float32 [N, 1]. onnxruntime reproduces the trainer's probabilities on the holdout to ${onnxDiff.toExponential(1)}.

## Holdout figures (${m.holdout_rows.toLocaleString('en')} rows, fraud rate ${(m.holdout_positive_rate * 100).toFixed(2)} %)
| metric | value |
|---|---|
| ROC AUC | ${m.holdout_roc_auc.toFixed(4)} (the true generating probabilities score ${m.holdout_roc_auc_of_true_probabilities.toFixed(4)}) |
| PR AUC (average precision) | ${m.holdout_pr_auc.toFixed(4)} |
| log loss | ${m.holdout_log_loss.toFixed(4)} |
| Brier score | ${m.holdout_brier.toFixed(5)} |
| recall when alerting on the top 1 % of scores | ${(m.holdout_recall_at_1pct_alerts * 100).toFixed(1)} % |

${performance.markdown}
## Features (input order; missing value = training median or mode)
| feature | type | missing value | split gain | meaning |
|---|---|---|---|---|
${featureRows.join('\n')}

## Files
- \`model.onnx\` (sha256 ${createHash('sha256').update(onnx).digest('hex')})
- \`schema.json\`: features, encoding, missing values, training parameters, holdout metrics
- \`reference.csv\`: the first ${REFERENCE_ROWS.toLocaleString('en')} holdout rows (features only), the baseline for drift
- \`performance.json\`: decision threshold, score buckets, the holdout reference figures, alerting minimums and
  margins, the reliability table per score bucket (read by the service: ground-truth monitoring)
`;
}
