import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { StartupError } from '../errors.js';
import { compileFeatureSchema, type FeatureSchema } from './feature-schema.js';
import { loadOnnxModel, type OnnxOptions, type OnnxScorer } from './onnx-model.js';
import { defaultPerformance, readPerformanceFile, type ModelPerformance } from './performance-file.js';
import { encodeReference, loadReferenceData, type ReferenceData } from './reference-data.js';
import { readSchemaFile } from './schema-file.js';

export interface LoadedModel {
  readonly name: string;
  readonly version: string;
  readonly framework: 'onnx';
  readonly dir: string;
  readonly schema: FeatureSchema;
  readonly scorer: OnnxScorer;
  readonly reference: ReferenceData;
  /** The model's scores of the reference rows, computed at load: the baseline for prediction drift. */
  readonly referencePredictions: Float32Array;
  /** From the optional performance.json: decision threshold, score buckets, holdout reference; defaults when absent. */
  readonly performance: ModelPerformance;
}

export interface ModelRegistry {
  get(name: string, version: string): LoadedModel | undefined;
  /** Highest version of `name` by natural order (v1.10 > v1.9), or undefined. */
  latestVersion(name: string): string | undefined;
  list(): readonly LoadedModel[];
  close(): Promise<void>;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const naturalOrder = new Intl.Collator('en', { numeric: true }).compare;

/**
 * Load every `<modelsDir>/<name>/<version>/` directory: schema.json, model.onnx and
 * reference.csv, all required, and performance.json if present. The first problem throws a
 * StartupError naming the file; a service with a half-loaded registry would answer 404s that look
 * like client errors.
 */
export async function loadModelRegistry(modelsDir: string, options: OnnxOptions): Promise<ModelRegistry> {
  const names = await listDirectories(modelsDir, `MODELS_DIR=${modelsDir}`);
  const models: LoadedModel[] = [];
  try {
    for (const name of names) {
      for (const version of await listDirectories(join(modelsDir, name), join(modelsDir, name))) {
        models.push(await loadModel(join(modelsDir, name, version), name, version, options));
      }
    }
  } catch (err) {
    await Promise.all(models.map((m) => m.scorer.release()));
    throw err;
  }
  if (models.length === 0) {
    throw new StartupError(
      `MODELS_DIR=${modelsDir}: no models found; expected ${join(modelsDir, '<name>', '<version>')}/ with model.onnx, schema.json and reference.csv`,
    );
  }
  return createRegistry(models);
}

function createRegistry(models: readonly LoadedModel[]): ModelRegistry {
  const byName = new Map<string, Map<string, LoadedModel>>();
  for (const model of models) {
    let versions = byName.get(model.name);
    if (!versions) byName.set(model.name, (versions = new Map()));
    versions.set(model.version, model);
  }
  const latest = new Map<string, string>();
  for (const [name, versions] of byName) latest.set(name, [...versions.keys()].sort(naturalOrder).at(-1)!);
  return {
    get: (name, version) => byName.get(name)?.get(version),
    latestVersion: (name) => latest.get(name),
    list: () => models,
    close: async () => {
      await Promise.all(models.map((m) => m.scorer.release()));
    },
  };
}

async function loadModel(dir: string, name: string, version: string, options: OnnxOptions): Promise<LoadedModel> {
  const schemaPath = join(dir, 'schema.json');
  const schema = compileFeatureSchema(await readSchemaFile(schemaPath));
  if (schema.file.name !== name || schema.file.version !== version) {
    throw new StartupError(
      `${schemaPath}: declares ${schema.file.name}@${schema.file.version} but lives in ${name}/${version}/; the directory names are what requests use`,
    );
  }
  const performance = readPerformanceFile(join(dir, 'performance.json')) ?? defaultPerformance();
  const modelPath = join(dir, 'model.onnx');
  const reference = await loadReferenceData(join(dir, 'reference.csv'), schema);
  const encoded = { input: encodeReference(reference, schema), rows: reference.rows };
  // The reference rows double as the check that a JavaScript tree evaluator scores like onnxruntime.
  const scorer = await loadOnnxModel(modelPath, schema, options, encoded);
  try {
    const referencePredictions = await scoreReference(scorer, encoded, modelPath);
    return { name, version, framework: 'onnx', dir, schema, scorer, reference, referencePredictions, performance };
  } catch (err) {
    await scorer.release();
    throw err;
  }
}

/** Scoring the whole reference at load doubles as a smoke test of the model on real rows. */
async function scoreReference(
  scorer: OnnxScorer,
  encoded: { input: Float32Array; rows: number },
  modelPath: string,
): Promise<Float32Array> {
  let scores: Float32Array;
  try {
    scores = await scorer.score(encoded.input, encoded.rows);
  } catch (err) {
    throw new StartupError(`${modelPath}: failed to score reference.csv: ${(err as Error).message.split('\n')[0]}`);
  }
  const bad = scores.findIndex((p) => !(p >= 0 && p <= 1));
  if (bad !== -1) {
    throw new StartupError(`${modelPath}: output for reference row ${bad + 1} is ${scores[bad]}, not a probability in [0, 1]`);
  }
  return scores;
}

async function listDirectories(dir: string, label: string): Promise<string[]> {
  let entries;
  try {
    if (!(await stat(dir)).isDirectory()) throw new StartupError(`${label}: not a directory`);
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (err instanceof StartupError) throw err;
    throw new StartupError(`${label}: cannot read directory: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const names = entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort(naturalOrder);
  for (const name of names) {
    if (!NAME.test(name)) {
      throw new StartupError(`${join(dir, name)}: directory name must be 1-64 characters of A-Z a-z 0-9 . _ - (it becomes a metric label)`);
    }
  }
  return names;
}
