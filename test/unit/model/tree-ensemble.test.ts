import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGED_MODELS_DIR } from '../../../src/config/index.js';
import { loadModelRegistry, type LoadedModel, type ModelRegistry } from '../../../src/model/index.js';
import { onnxModelProto, readOnnxGraph, type GraphNode, type OnnxGraph } from '../../../src/model/onnx-graph.js';
import { loadOnnxModel, TREE_ENSEMBLE_MAX_ROWS } from '../../../src/model/onnx-model.js';
import { compileTreeEnsemble, edgeRows, LOGISTIC_KERNELS, mlasLogistic, type TreeEnsemble } from '../../../src/model/tree-ensemble.js';

const MODEL = join(PACKAGED_MODELS_DIR, 'fraud-detection', 'v1.0', 'model.onnx');
const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

/**
 * onnxruntime is the reference: the JavaScript evaluator must give its outputs bit for bit, or
 * not be used. Each comparison below runs the same rows through both.
 */
describe('the JavaScript tree-ensemble evaluator', () => {
  let auto: ModelRegistry;
  let runtime: ModelRegistry;
  let fast: LoadedModel;
  let slow: LoadedModel;
  let ensemble: TreeEnsemble;
  beforeAll(async () => {
    auto = await loadModelRegistry(PACKAGED_MODELS_DIR, { intraOpThreads: 1 });
    runtime = await loadModelRegistry(PACKAGED_MODELS_DIR, { intraOpThreads: 1, scorer: 'onnxruntime' });
    fast = auto.get('fraud-detection', 'v1.0')!;
    slow = runtime.get('fraud-detection', 'v1.0')!;
    const compiled = compileTreeEnsemble(readOnnxGraph(await readFile(MODEL)), 'features', 'probability');
    if (!('ensemble' in compiled)) throw new Error(compiled.unsupported);
    ensemble = compiled.ensemble;
  });
  afterAll(async () => {
    await auto.close();
    await runtime.close();
  });

  it('is chosen for the embedded model, and MODEL_SCORER=onnxruntime turns it off', () => {
    expect(fast.scorer.engine).toEqual({ small: 'tree-ensemble-js' });
    expect(slow.scorer.engine).toEqual({ small: 'onnxruntime', reason: 'MODEL_SCORER=onnxruntime' });
    expect(ensemble.trees).toBe(150);
    expect(ensemble.layout).toBe('perfect');
    // The reference predictions (the prediction-drift baseline) are the same bits either way.
    expect(bits(fast.referencePredictions)).toEqual(bits(slow.referencePredictions));
  });

  it('answers up to TREE_ENSEMBLE_MAX_ROWS rows synchronously and larger batches through onnxruntime', async () => {
    const width = fast.schema.width;
    const rows = (n: number) => fast.reference.rows >= n && new Float32Array(n * width).fill(1);
    expect(fast.scorer.score(rows(TREE_ENSEMBLE_MAX_ROWS) as Float32Array, TREE_ENSEMBLE_MAX_ROWS)).toBeInstanceOf(Float32Array);
    const big = fast.scorer.score(rows(TREE_ENSEMBLE_MAX_ROWS + 1) as Float32Array, TREE_ENSEMBLE_MAX_ROWS + 1);
    expect(big).toBeInstanceOf(Promise);
    await big;
    expect(slow.scorer.score(rows(1) as Float32Array, 1)).toBeInstanceOf(Promise);
  });

  it('scores random rows bit for bit as onnxruntime: values at, just above and around every threshold, missing and infinite ones', async () => {
    const width = fast.schema.width;
    const thresholds = Array.from({ length: width }, (_, c) => ensemble.thresholds(c));
    const value = (column: number) =>
      fc.oneof(
        thresholds[column]!.length > 0 ? fc.constantFrom(...thresholds[column]!) : fc.constant(0),
        fc.float({ noDefaultInfinity: false }),
        fc.float({ min: -1000, max: 1000, noNaN: true }),
        fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -0),
      );
    const row = fc.tuple(...Array.from({ length: width }, (_, c) => value(c)));
    await fc.assert(
      // Up to 70 rows: groups of four (scored together) and every remainder.
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 70 }), async (batch) => {
        const input = Float32Array.from(batch.flat());
        const js = fast.scorer.score(input, batch.length);
        expect(js).toBeInstanceOf(Float32Array);
        expect(bits(js as Float32Array)).toEqual(bits(await slow.scorer.score(input, batch.length)));
      }),
      { numRuns: 400 },
    );
  });

  it('the edge rows hit every threshold exactly and the float32 above it', () => {
    const width = fast.schema.width;
    const base = new Float32Array(2 * width);
    const { input, rows } = edgeRows(ensemble, base, 2, width);
    for (let c = 0; c < width; c++) {
      for (const t of ensemble.thresholds(c)) {
        const column = Array.from({ length: rows }, (_, r) => input[r * width + c]!);
        expect(column).toContain(t);
        expect(column.some((v) => v > t && Math.fround(v) === v && v - t <= Math.abs(t) * 2 ** -23 + 1e-45)).toBe(true);
      }
    }
  });
});

/** A one-node model, x -> Sigmoid -> y, for onnxruntime's Sigmoid alone. */
function sigmoidModel(): Uint8Array {
  const tensor = { tensor_type: { elem_type: 1, shape: { dim: [{ dim_param: 'N' }] } } };
  const proto = onnxModelProto();
  return proto
    .encode(
      proto.fromObject({
        ir_version: 8,
        opset_import: [{ domain: '', version: 17 }],
        graph: {
          name: 'sigmoid',
          node: [{ op_type: 'Sigmoid', input: ['x'], output: ['y'] }],
          input: [{ name: 'x', type: tensor }],
          output: [{ name: 'y', type: tensor }],
        },
      }),
    )
    .finish();
}

describe("MLAS's logistic, reproduced", () => {
  it("equals onnxruntime's Sigmoid bit for bit over [-20, 20], near 0, at the clamps and on special values, with one of the two kernels", async () => {
    const session = await ort.InferenceSession.create(sigmoidModel(), { intraOpNumThreads: 1 });
    const values: number[] = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -0, 18, -18, 1e-30, -1e-30];
    for (let k = 0; k <= 400_000; k++) values.push(-20 + k * 1e-4);
    for (let e = -40; e <= 5; e++) values.push(2 ** e, -(2 ** e));
    const x = Float32Array.from(values);
    const y = (await session.run({ x: new ort.Tensor('float32', x, [x.length]) })).y!.data as Float32Array;
    await session.release();
    // Object.is: equal float32 values, +0 and -0 apart; NaN payloads are not compared.
    const matching = LOGISTIC_KERNELS.filter((kernel) => x.every((v, k) => Object.is(Math.fround(mlasLogistic(v, kernel)), y[k])));
    // x86-64 with FMA3 (these machines and CI) runs the fma3 kernel; other CPUs the generic one.
    expect(matching.length).toBeGreaterThanOrEqual(1);
  });
});

describe('compileTreeEnsemble refuses what it does not reproduce, saying why', () => {
  let graph: OnnxGraph;
  beforeAll(async () => {
    graph = readOnnxGraph(await readFile(MODEL));
  });
  const withTrees = (change: (attributes: Map<string, unknown>) => void): OnnxGraph => {
    const [trees, sigmoid] = graph.nodes as [GraphNode, GraphNode];
    const attributes = new Map(trees.attributes) as Map<string, unknown>;
    change(attributes);
    return { ...graph, nodes: [{ ...trees, attributes: attributes as GraphNode['attributes'] }, sigmoid] };
  };

  it.each([
    [
      'a graph without the Sigmoid',
      (g: OnnxGraph) => ({ ...g, nodes: g.nodes.slice(0, 1) }),
      /not a tree ensemble followed by a Sigmoid/,
      'probability',
    ],
    ['another output name', (g: OnnxGraph) => g, /not wired/, 'scores'],
    [
      'an AVERAGE aggregate',
      () => withTrees((a) => a.set('aggregate_function', 'AVERAGE')),
      /aggregate_function is not SUM/,
      'probability',
    ],
    ['a LOGISTIC post-transform', () => withTrees((a) => a.set('post_transform', 'LOGISTIC')), /post_transform is not NONE/, 'probability'],
    [
      'BRANCH_LT nodes',
      () =>
        withTrees((a) =>
          a.set(
            'nodes_modes',
            (a.get('nodes_modes') as string[]).map((m) => (m === 'LEAF' ? m : 'BRANCH_LT')),
          ),
        ),
      /node mode BRANCH_LT/,
      'probability',
    ],
    ['an unknown attribute', () => withTrees((a) => a.set('nodes_hitrates', [1])), /nodes_hitrates not supported/, 'probability'],
    [
      'a dangling child',
      () =>
        withTrees((a) =>
          a.set(
            'nodes_truenodeids',
            (a.get('nodes_truenodeids') as number[]).map((id) => id + 100_000),
          ),
        ),
      /missing child/,
      'probability',
    ],
  ] as [string, (g: OnnxGraph) => OnnxGraph, RegExp, string][])('%s', (_, make, reason, output) => {
    const compiled = compileTreeEnsemble(make(graph), 'features', output);
    expect('unsupported' in compiled && compiled.unsupported).toMatch(reason);
  });
});

describe('a model that sends missing values the true way', () => {
  it('is walked by its links instead of the perfect-tree layout, and still scores NaN like onnxruntime', async () => {
    const graph = readOnnxGraph(await readFile(MODEL));
    const [trees, sigmoid] = graph.nodes as [GraphNode, GraphNode];
    const attributes = new Map(trees.attributes);
    attributes.set(
      'nodes_missing_value_tracks_true',
      (attributes.get('nodes_missing_value_tracks_true') as number[]).map(() => 1),
    );
    const walked = compileTreeEnsemble({ ...graph, nodes: [{ ...trees, attributes }, sigmoid] }, 'features', 'probability');
    expect('ensemble' in walked && walked.ensemble.layout).toBe('walk');
    // The embedded model with nodes_missing_value_tracks_true = 1 on every node, written back with
    // the same proto: onnxruntime now sends NaN the true way at every branch.
    const proto = onnxModelProto();
    const message = proto.toObject(proto.decode(await readFile(MODEL)), { longs: Number }) as {
      graph: { node: { attribute: { name: string; ints?: number[] }[] }[] };
    };
    const tracks = message.graph.node[0]!.attribute.find((a) => a.name === 'nodes_missing_value_tracks_true')!;
    tracks.ints = tracks.ints!.map(() => 1);
    const dir = await mkdtemp(join(tmpdir(), 'tree-ensemble-'));
    try {
      const path = join(dir, 'model.onnx');
      await writeFile(path, proto.encode(proto.fromObject(message)).finish());
      const registry = await loadModelRegistry(PACKAGED_MODELS_DIR, { intraOpThreads: 1 });
      const model = registry.get('fraud-detection', 'v1.0')!;
      const check = { input: new Float32Array(model.reference.rows * model.schema.width), rows: model.reference.rows };
      const width = model.schema.width;
      for (let r = 0; r < check.rows; r++) for (let c = 0; c < width; c++) check.input[r * width + c] = ((r * 31 + c * 7) % 97) - 20;
      const fast = await loadOnnxModel(path, model.schema, { intraOpThreads: 1 }, check);
      const slow = await loadOnnxModel(path, model.schema, { intraOpThreads: 1, scorer: 'onnxruntime' }, check);
      expect(fast.engine).toEqual({ small: 'tree-ensemble-js' });
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.oneof(fc.constant(Number.NaN), fc.float({ min: -50, max: 500, noNaN: true })), {
            minLength: width,
            maxLength: width,
          }),
          async (values) => {
            const input = Float32Array.from(values);
            expect(bits(fast.score(input, 1) as Float32Array)).toEqual(bits(await slow.score(input, 1)));
          },
        ),
        { numRuns: 300 },
      );
      await Promise.all([fast.release(), slow.release(), registry.close()]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
