/**
 * Scorer micro-benchmark (npm run bench -- --only scorer [--quick]): what scoring a request of
 * 1 to 100 rows of the embedded model costs with onnxruntime-node (`session.run`, awaited) and with
 * the JavaScript tree-ensemble evaluator of the same model.onnx (src/model/tree-ensemble.ts), both
 * loaded as the service loads them (src/model/onnx-model.ts, MODEL_SCORER=onnxruntime and auto).
 * The rows are the model's reference rows, cycled. Runs interleave the two scorers, alternating
 * their order; µs per call is the median over runs. Afterwards every output of both must be the
 * same float32 bits: the evaluator is only worth having if it is the same model.
 *
 * The figures set TREE_ENSEMBLE_MAX_ROWS (where the JavaScript walk stops being cheaper).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { PACKAGED_MODELS_DIR } from '../src/config/index.js';
import { compileFeatureSchema } from '../src/model/feature-schema.js';
import { loadOnnxModel, TREE_ENSEMBLE_MAX_ROWS, type OnnxScorer } from '../src/model/onnx-model.js';
import { encodeReference, loadReferenceData } from '../src/model/reference-data.js';
import { readSchemaFile } from '../src/model/schema-file.js';
import { CAN_PIN, median } from './lib.js';
import { table } from './telemetry-measure.js';

export interface ScorerBenchOptions {
  readonly quick: boolean;
  /** Measured runs of each scorer and batch size. */
  readonly runs: number;
}

const root = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
const SIZES = [1, 2, 4, 8, 16, 32, 64, 100, 256] as const;

/** Score `calls` requests of `rows` rows each, cycling through the reference; the last outputs. */
async function scoreCalls(scorer: OnnxScorer, input: Float32Array, width: number, available: number, rows: number, calls: number) {
  let last: Float32Array = new Float32Array(0);
  for (let c = 0; c < calls; c++) {
    const start = ((c * rows) % (available - rows)) * width;
    const result = scorer.score(input.subarray(start, start + rows * width), rows);
    last = result instanceof Promise ? await result : result;
  }
  return last;
}

export async function runScorerBench(options: ScorerBenchOptions): Promise<void> {
  const dir = `${PACKAGED_MODELS_DIR}/fraud-detection/v1.0`;
  const schema = compileFeatureSchema(await readSchemaFile(`${dir}/schema.json`));
  const reference = await loadReferenceData(`${dir}/reference.csv`, schema);
  const input = encodeReference(reference, schema);
  const check = { input, rows: reference.rows };
  const runtime = await loadOnnxModel(`${dir}/model.onnx`, schema, { intraOpThreads: 1, scorer: 'onnxruntime' }, check);
  const fast = await loadOnnxModel(`${dir}/model.onnx`, schema, { intraOpThreads: 1, scorer: 'auto' }, check);
  // The evaluator itself, whatever the row count (`fast` hands larger batches to onnxruntime).
  const js: OnnxScorer =
    fast.engine.small === 'tree-ensemble-js'
      ? {
          ...fast,
          score: (data, rows) =>
            fast.score(data.subarray(0, Math.min(rows, TREE_ENSEMBLE_MAX_ROWS) * schema.width), Math.min(rows, TREE_ENSEMBLE_MAX_ROWS)),
        }
      : fast;
  if (fast.engine.small !== 'tree-ensemble-js') console.log(`scorer: the JavaScript evaluator is not in use here: ${fast.engine.reason}`);
  const width = schema.width;
  const loadBefore = loadavg()[0]!.toFixed(2);
  // About 20 ms of work per run and scorer at one row; fewer calls for larger batches.
  const callsFor = (rows: number) => Math.max(20, Math.round((options.quick ? 200 : 2000) / rows));
  const perCall = new Map<string, number[]>();
  const measure = async (name: string, scorer: OnnxScorer, rows: number) => {
    const calls = callsFor(rows);
    const t0 = process.hrtime.bigint();
    await scoreCalls(scorer, input, width, reference.rows, rows, calls);
    const key = `${name}:${rows}`;
    perCall.set(key, [...(perCall.get(key) ?? []), Number(process.hrtime.bigint() - t0) / 1000 / calls]);
  };
  // The evaluator scores up to TREE_ENSEMBLE_MAX_ROWS rows per call here; larger sizes time it in calls of that many
  // rows (the same work per row) and scale.
  for (const rows of SIZES) {
    for (let w = 0; w < 2; w++) {
      await measure('warm', runtime, rows);
      await measure('warm', fast, rows);
    }
    for (let r = 0; r < options.runs; r++) {
      const order: [string, OnnxScorer][] = [
        ['onnxruntime', runtime],
        ['js', js],
      ];
      for (const [name, scorer] of r % 2 === 0 ? order : order.reverse()) await measure(name, scorer, rows);
    }
  }
  const loadAfter = loadavg()[0]!.toFixed(2);

  // Same bits: every reference row through both, in calls of up to TREE_ENSEMBLE_MAX_ROWS rows for the evaluator.
  let differing = 0;
  for (let start = 0; start < reference.rows; start += TREE_ENSEMBLE_MAX_ROWS) {
    const rows = Math.min(TREE_ENSEMBLE_MAX_ROWS, reference.rows - start);
    const slice = input.subarray(start * width, (start + rows) * width);
    const a = await runtime.score(slice, rows);
    const b = await fast.score(slice, rows);
    for (let k = 0; k < rows; k++) if (!Object.is(a[k], b[k])) differing++;
  }

  const us = (name: string, rows: number) => {
    const t = median(perCall.get(`${name}:${rows}`)!);
    // js at more than TREE_ENSEMBLE_MAX_ROWS rows ran that many per call.
    return name === 'js' && rows > TREE_ENSEMBLE_MAX_ROWS ? (t * rows) / TREE_ENSEMBLE_MAX_ROWS : t;
  };
  const lines: string[] = [];
  if (options.quick) lines.push('**Quick smoke run**: too few calls to trust; use the full run.', '');
  lines.push(
    `${options.runs} interleaved runs per scorer and size after 2 warm-up runs; µs per call, median; this process pinned to core 1: ${CAN_PIN}; ` +
      `load average ${loadBefore} → ${loadAfter}; node ${process.version}; scorer in use for up to ${TREE_ENSEMBLE_MAX_ROWS} rows: ${fast.engine.small}.`,
    '',
    table(
      ['rows per call', 'onnxruntime µs/call', 'µs/row', 'JavaScript µs/call', 'µs/row', 'JavaScript ÷ onnxruntime'],
      SIZES.map((rows) => {
        const o = us('onnxruntime', rows);
        const j = us('js', rows);
        return [String(rows), o.toFixed(1), (o / rows).toFixed(2), j.toFixed(1), (j / rows).toFixed(2), (j / o).toFixed(2)];
      }),
    ),
    '',
    `Same outputs: ${differing === 0 ? 'yes' : `**no**: ${differing} differing`} (all ${reference.rows} reference rows, float32 bits compared).`,
  );
  await runtime.release();
  await fast.release();
  const text = lines.join('\n');
  console.log(`\n${text}`);
  await mkdir(`${root}/bench/results`, { recursive: true });
  const file = `${root}/bench/results/scorer-${new Date().toISOString().replace(/:/g, '-')}.md`;
  await writeFile(file, `# Scorer benchmark\n\n${text}\n`);
  console.log(`\nwritten to ${file}`);
  if (differing > 0) process.exitCode = 1;
}
