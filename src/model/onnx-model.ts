import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import { StartupError } from '../errors.js';
import type { FeatureSchema } from './feature-schema.js';
import { readOnnxGraph } from './onnx-graph.js';
import { compileTreeEnsemble, edgeRows, LOGISTIC_KERNELS, type LogisticKernel, type TreeEnsemble } from './tree-ensemble.js';

export interface OnnxScorer {
  /**
   * Positive-class probability of each of `rows` encoded rows (row-major, schema width). Requests of
   * up to TREE_ENSEMBLE_MAX_ROWS rows are answered synchronously when the JavaScript tree evaluator
   * is in use (no promise, no event-loop hop); onnxruntime's answers are promises.
   */
  score(input: Float32Array, rows: number): Float32Array | Promise<Float32Array>;
  /** What scores requests of a few rows, and why: for the startup log and GET /models. */
  readonly engine: ScoringEngine;
  release(): Promise<void>;
}

export interface ScoringEngine {
  /** `tree-ensemble-js`: rows up to TREE_ENSEMBLE_MAX_ROWS in JavaScript, larger batches in onnxruntime. */
  readonly small: 'tree-ensemble-js' | 'onnxruntime';
  /** Why onnxruntime scores everything, when it does. */
  readonly reason?: string;
}

/**
 * `auto`: evaluate tree ensembles in JavaScript for requests of a few rows when the evaluator gives
 * onnxruntime's outputs bit for bit on the reference and edge rows (tree-ensemble.ts says why);
 * `onnxruntime`: always onnxruntime.
 */
export type ScorerChoice = 'auto' | 'onnxruntime';

export interface OnnxOptions {
  readonly intraOpThreads: number;
  readonly scorer?: ScorerChoice;
}

/**
 * Up to this many rows, the JavaScript evaluator; above, onnxruntime. Measured on the embedded
 * model (150 trees of depth 4; `npm run bench -- --only scorer`): onnxruntime's run costs ~15 µs
 * plus ~2.9 µs per row, the evaluator ~2.9 µs for one row and ~1.3 µs per row four at a time, so
 * it is the faster at every size measured (up to 256 rows). The bound keeps a runaway batch
 * (MAX_BATCH_SIZE allows 100,000 rows) in onnxruntime, whose cost per row is known.
 */
export const TREE_ENSEMBLE_MAX_ROWS = 1024;

/** Encoded rows the scorers are compared on (the model's reference rows). */
export interface ScorerCheckRows {
  readonly input: Float32Array;
  readonly rows: number;
}

/**
 * Load `model.onnx` and check that it fits its schema: one float32 input of width
 * `schema.width`, and the named output of shape [N, 1] (P(positive)) or [N, 2] (class
 * probabilities). Throws StartupError naming the file.
 */
export async function loadOnnxModel(
  path: string,
  schema: FeatureSchema,
  options: OnnxOptions,
  check?: ScorerCheckRows,
): Promise<OnnxScorer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new StartupError(`${path}: cannot read model: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, {
      // On 2 cores, extra intra-op threads spin on the other core for microsecond-sized work
      // (docs/performance.md); the event loop already serialises runs, so inter-op parallelism is moot.
      intraOpNumThreads: options.intraOpThreads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
  } catch (err) {
    throw new StartupError(`${path}: not a loadable ONNX model: ${firstLine(err)}`);
  }

  const inputName = schema.file.input.name;
  const outputSpec = schema.file.output;
  const input = session.inputMetadata.find((m) => m.name === inputName);
  if (!input || !input.isTensor) {
    throw new StartupError(
      `${path}: schema.json input "${inputName}" is not a tensor input of the model (inputs: ${session.inputNames.join(', ')})`,
    );
  }
  if (session.inputNames.length !== 1) {
    throw new StartupError(`${path}: the model must have exactly one input, it has ${session.inputNames.length}`);
  }
  if (input.type !== 'float32') {
    throw new StartupError(`${path}: input "${inputName}" must be float32, it is ${input.type}`);
  }
  const inputWidth = input.shape[input.shape.length - 1];
  if (input.shape.length !== 2 || (typeof inputWidth === 'number' && inputWidth !== schema.width)) {
    throw new StartupError(
      `${path}: input "${inputName}" has shape [${input.shape.join(', ')}]; schema.json encodes rows of width ${schema.width}`,
    );
  }
  const output = session.outputMetadata.find((m) => m.name === outputSpec.name);
  if (!output || !output.isTensor || output.type !== 'float32') {
    throw new StartupError(
      `${path}: schema.json output "${outputSpec.name}" is not a float32 tensor output (outputs: ${session.outputNames.join(', ')})`,
    );
  }
  const outputWidth = output.shape[output.shape.length - 1];
  if (output.shape.length !== 2 || (outputWidth !== 1 && outputWidth !== 2)) {
    throw new StartupError(`${path}: output "${outputSpec.name}" must have shape [N, 1] or [N, 2], it has [${output.shape.join(', ')}]`);
  }
  const column = outputWidth === 2 ? outputSpec.positive_class_index : 0;
  const fetches = [outputSpec.name];

  const runtime = async (data: Float32Array, rows: number): Promise<Float32Array> => {
    const feeds = { [inputName]: new ort.Tensor('float32', data, [rows, schema.width]) };
    const result = await session.run(feeds, fetches);
    const tensor = result[outputSpec.name]!;
    const values = tensor.data as Float32Array;
    if (outputWidth === 1) return values;
    const probabilities = new Float32Array(rows);
    for (let i = 0; i < rows; i++) probabilities[i] = values[i * 2 + column]!;
    return probabilities;
  };
  const release = () => session.release();

  const fast =
    options.scorer === 'onnxruntime'
      ? { unsupported: 'MODEL_SCORER=onnxruntime' }
      : check === undefined
        ? { unsupported: 'no rows to check the JavaScript evaluator on' }
        : await sameAsRuntime(bytes, inputName, outputSpec.name, schema.width, check, runtime);
  if (!('ensemble' in fast)) return { score: runtime, engine: { small: 'onnxruntime', reason: fast.unsupported }, release };
  const { ensemble, kernel } = fast;
  const width = schema.width;
  return {
    score: (data, rows) => (rows <= TREE_ENSEMBLE_MAX_ROWS ? ensemble.score(data, rows, width, kernel) : runtime(data, rows)),
    engine: { small: 'tree-ensemble-js' },
    release,
  };
}

/**
 * Compile the graph's tree ensemble and keep it only if it scores the check rows and the edge
 * rows exactly as onnxruntime does, with one of MLAS's two logistic kernels.
 */
async function sameAsRuntime(
  bytes: Uint8Array,
  inputName: string,
  outputName: string,
  width: number,
  check: ScorerCheckRows,
  runtime: (data: Float32Array, rows: number) => Promise<Float32Array>,
): Promise<{ ensemble: TreeEnsemble; kernel: LogisticKernel } | { unsupported: string }> {
  let compiled;
  try {
    compiled = compileTreeEnsemble(readOnnxGraph(bytes), inputName, outputName);
  } catch (err) {
    return { unsupported: `the graph could not be read: ${firstLine(err)}` };
  }
  if (!('ensemble' in compiled)) return compiled;
  const { ensemble } = compiled;
  if (ensemble.columns > width) return { unsupported: `the trees read column ${ensemble.columns - 1} of rows of width ${width}` };
  const { input, rows } = edgeRows(ensemble, check.input, check.rows, width);
  const expected = await runtime(input, rows);
  let firstDifference = '';
  for (const kernel of LOGISTIC_KERNELS) {
    const got = ensemble.score(input, rows, width, kernel);
    // Object.is: the same float32 value, -0 apart from +0; any NaN equals any NaN (payloads may differ).
    const differs = got.findIndex((x, r) => !Object.is(x, expected[r]));
    if (differs === -1) return { ensemble, kernel };
    firstDifference ||= `row ${differs} of ${rows} check rows: ${got[differs]} against onnxruntime's ${expected[differs]}`;
  }
  return { unsupported: `the JavaScript evaluator differs from onnxruntime (${firstDifference})` };
}

function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0]!.trim();
}
