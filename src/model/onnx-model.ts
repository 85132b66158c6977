import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import { StartupError } from '../errors.js';
import type { FeatureSchema } from './feature-schema.js';

export interface OnnxScorer {
  /** Positive-class probability of each of `rows` encoded rows (row-major, schema width). */
  score(input: Float32Array, rows: number): Promise<Float32Array>;
  release(): Promise<void>;
}

export interface OnnxOptions {
  readonly intraOpThreads: number;
}

/**
 * Load `model.onnx` and check that it fits its schema: one float32 input of width
 * `schema.width`, and the named output of shape [N, 1] (P(positive)) or [N, 2] (class
 * probabilities). Throws StartupError naming the file.
 */
export async function loadOnnxModel(path: string, schema: FeatureSchema, options: OnnxOptions): Promise<OnnxScorer> {
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

  return {
    async score(data, rows) {
      const feeds = { [inputName]: new ort.Tensor('float32', data, [rows, schema.width]) };
      const result = await session.run(feeds, fetches);
      const tensor = result[outputSpec.name]!;
      const values = tensor.data as Float32Array;
      if (outputWidth === 1) return values;
      const probabilities = new Float32Array(rows);
      for (let i = 0; i < rows; i++) probabilities[i] = values[i * 2 + column]!;
      return probabilities;
    },
    release: () => session.release(),
  };
}

function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0]!.trim();
}
