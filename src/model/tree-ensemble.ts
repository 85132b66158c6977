/**
 * A gradient-boosted tree ensemble evaluated in JavaScript, bit for bit as onnxruntime evaluates
 * the same model.onnx, for requests of a few rows.
 *
 * Why: onnxruntime-node's `run()` costs ~20 µs for one row of the embedded model (150 trees of
 * depth <= 6), most of it fixed: the N-API call, tensor wrapping and a setImmediate hop before the
 * native run. Walking the same trees in JavaScript costs 3-5 µs for one row. For 100 rows
 * onnxruntime is faster (its fixed cost is shared), so batches stay with it.
 *
 * How it stays the same model: the graph is read from model.onnx itself (onnx-graph.ts), and only
 * the shape our training script exports is compiled: features -> ai.onnx.ml.TreeEnsembleRegressor
 * (SUM, one target, BRANCH_LEQ/LEAF nodes) -> Sigmoid -> probability. The arithmetic copies
 * onnxruntime's CPU kernels: comparisons of float32 values, leaves summed in float32 in tree order,
 * the base value added last, and the Sigmoid of MLAS (MlasComputeLogistic: Eigen's rational
 * approximation on [-18, 18]; its FMA3 kernel and its generic one round differently, and both
 * are here). onnx-model.ts then scores the
 * reference rows and a set of edge rows (every threshold hit exactly, missing and infinite values)
 * with both and uses this evaluator only if every output is identical to onnxruntime's, with
 * the variant that matched; otherwise, or for any other graph, onnxruntime scores everything.
 */
import type { OnnxGraph } from './onnx-graph.js';

const f32 = Math.fround;

/** MlasLogisticConstants (onnxruntime/core/mlas/lib/logistic.cpp, MIT licence; Eigen's coefficients). */
const LOWER = f32(-18);
const UPPER = f32(18);
const A9 = f32(4.37031012579801e-11);
const A7 = f32(1.15627324459942e-7);
const A5 = f32(6.08574864600143e-5);
const A3 = f32(8.51377133304701e-3);
const A1 = f32(2.48287947061529e-1);
const B10 = f32(6.10247389755681e-13);
const B8 = f32(5.76102136993427e-9);
const B6 = f32(6.2910678501704e-6);
const B4 = f32(1.70198817374094e-3);
const B2 = f32(1.16817656904453e-1);
const B0 = f32(9.9315192102318e-1);

/**
 * Which of MLAS's logistic kernels onnxruntime ran: `fma3` (x86-64 with AVX2/FMA3: fused
 * multiply-adds, one rounding each, and no clamp of the result, so it can exceed 1 by an ulp near
 * x = 18) or `generic` (the C++ kernel: multiply and add rounded separately, the result clamped to
 * [0, 1]). The startup check finds out which one matches.
 */
export type LogisticKernel = 'fma3' | 'generic';
export const LOGISTIC_KERNELS: readonly LogisticKernel[] = ['fma3', 'generic'];

// a·b + c in float32: the product of two float32 values is exact in a double, so rounding the double
// sum once is a fused multiply-add; the generic kernel rounds the product first.
const fma = (a: number, b: number, c: number) => f32(a * b + c);
const mulAdd = (a: number, b: number, c: number) => f32(f32(a * b) + c);

/** MLAS's logistic of a float32 value, as `kernel` computes it. */
export function mlasLogistic(x: number, kernel: LogisticKernel): number {
  const ma = kernel === 'fma3' ? fma : mulAdd;
  // NaN stays NaN, as with MLAS's max/min instructions (they return the second operand, the value).
  const v = Math.min(UPPER, Math.max(LOWER, x));
  const v2 = f32(v * v);
  let p = ma(v2, A9, A7);
  p = ma(p, v2, A5);
  p = ma(p, v2, A3);
  p = ma(p, v2, A1);
  p = f32(p * v);
  let q = ma(v2, B10, B8);
  q = ma(q, v2, B6);
  q = ma(q, v2, B4);
  q = ma(q, v2, B2);
  q = ma(q, v2, B0);
  const y = f32(f32(p / q) + 0.5);
  if (kernel === 'fma3') return y < 0 ? 0 : y;
  return y < 0 ? 0 : y > 1 ? 1 : y;
}

/** The compiled trees: branch nodes in flat arrays; a child < 0 is leaf ~child. */
export interface TreeEnsemble {
  /** Number of trees and of input columns the trees read (the highest feature index + 1). */
  readonly trees: number;
  readonly columns: number;
  /** How rows descend: `perfect` (padded perfect trees, no branches) or `walk` (child links). */
  readonly layout: 'perfect' | 'walk';
  /** The log-odds (float32) of the row at `offset` of `input`. */
  logOdds(input: Float32Array, offset: number): number;
  /** P(positive) of `rows` rows of `width` columns, with MLAS's Sigmoid as `kernel` computes it. */
  score(input: Float32Array, rows: number, width: number, kernel: LogisticKernel): Float32Array;
  /** Every threshold of feature `column` (for the edge rows of the equality check). */
  thresholds(column: number): readonly number[];
}

type Compiled = { readonly ensemble: TreeEnsemble } | { readonly unsupported: string };

const ints = (v: unknown): readonly number[] | undefined => (Array.isArray(v) && v.every((x) => typeof x === 'number') ? v : undefined);
const strs = (v: unknown): readonly string[] | undefined => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined);

/**
 * Compile the graph if it is features -> TreeEnsembleRegressor -> Sigmoid -> `outputName`;
 * otherwise say why not (the service then scores with onnxruntime alone).
 */
export function compileTreeEnsemble(graph: OnnxGraph, inputName: string, outputName: string): Compiled {
  const [trees, sigmoid, ...rest] = graph.nodes;
  if (!trees || !sigmoid || rest.length > 0)
    return { unsupported: `the graph has ${graph.nodes.length} nodes, not a tree ensemble followed by a Sigmoid` };
  if (trees.opType !== 'TreeEnsembleRegressor' || trees.domain !== 'ai.onnx.ml')
    return { unsupported: `the first node is ${trees.domain}.${trees.opType}, not ai.onnx.ml.TreeEnsembleRegressor` };
  if (sigmoid.opType !== 'Sigmoid' || (sigmoid.domain !== '' && sigmoid.domain !== 'ai.onnx'))
    return { unsupported: `the second node is ${sigmoid.opType}, not Sigmoid` };
  if (trees.inputs[0] !== inputName || sigmoid.inputs[0] !== trees.outputs[0] || sigmoid.outputs[0] !== outputName)
    return { unsupported: 'the nodes are not wired input -> trees -> Sigmoid -> output' };
  const a = trees.attributes;
  const known = new Set([
    'aggregate_function',
    'base_values',
    'n_targets',
    'nodes_falsenodeids',
    'nodes_featureids',
    'nodes_missing_value_tracks_true',
    'nodes_modes',
    'nodes_nodeids',
    'nodes_treeids',
    'nodes_truenodeids',
    'nodes_values',
    'post_transform',
    'target_ids',
    'target_nodeids',
    'target_treeids',
    'target_weights',
  ]);
  const other = [...a.keys()].filter((k) => !known.has(k));
  if (other.length > 0) return { unsupported: `TreeEnsembleRegressor attribute(s) ${other.join(', ')} not supported here` };
  if ((a.get('aggregate_function') ?? 'SUM') !== 'SUM') return { unsupported: 'aggregate_function is not SUM' };
  if ((a.get('post_transform') ?? 'NONE') !== 'NONE') return { unsupported: 'post_transform is not NONE' };
  if ((a.get('n_targets') ?? 1) !== 1) return { unsupported: 'n_targets is not 1' };
  const treeIds = ints(a.get('nodes_treeids'));
  const nodeIds = ints(a.get('nodes_nodeids'));
  const featureIds = ints(a.get('nodes_featureids'));
  const values = ints(a.get('nodes_values'));
  const trueIds = ints(a.get('nodes_truenodeids'));
  const falseIds = ints(a.get('nodes_falsenodeids'));
  const modes = strs(a.get('nodes_modes'));
  const n = treeIds?.length ?? 0;
  const missingTrue = ints(a.get('nodes_missing_value_tracks_true')) ?? new Array<number>(n).fill(0);
  const targetTrees = ints(a.get('target_treeids'));
  const targetNodes = ints(a.get('target_nodeids'));
  const targetIds = ints(a.get('target_ids'));
  const weights = ints(a.get('target_weights'));
  const base = ints(a.get('base_values')) ?? [];
  if (
    !treeIds ||
    !nodeIds ||
    !featureIds ||
    !values ||
    !trueIds ||
    !falseIds ||
    !modes ||
    !targetTrees ||
    !targetNodes ||
    !targetIds ||
    !weights
  )
    return { unsupported: 'a node or target attribute is missing' };
  if ([nodeIds, featureIds, values, trueIds, falseIds, modes, missingTrue].some((x) => x.length !== n) || n === 0)
    return { unsupported: 'node attributes of different lengths' };
  if ([targetNodes, targetIds, weights].some((x) => x.length !== targetTrees.length))
    return { unsupported: 'target attributes of different lengths' };
  if (targetIds.some((t) => t !== 0)) return { unsupported: 'a target id other than 0' };
  if (base.length > 1) return { unsupported: 'more than one base value' };
  if (modes.some((m) => m !== 'LEAF' && m !== 'BRANCH_LEQ'))
    return { unsupported: `node mode ${modes.find((m) => m !== 'LEAF' && m !== 'BRANCH_LEQ')} (only BRANCH_LEQ and LEAF are compiled)` };

  // Node (tree, id) -> position; branch positions and leaf positions numbered separately.
  const position = new Map<number, number>();
  // One number per (tree, node): exact while node ids stay below 2^21 and tree ids below 2^31.
  const key = (tree: number, node: number) => tree * 2 ** 21 + node;
  const ids = [...nodeIds, ...trueIds, ...falseIds, ...targetNodes];
  if (ids.some((id) => !(id >= 0 && id < 2 ** 21)) || [...treeIds, ...targetTrees].some((id) => !(id >= 0 && id < 2 ** 31)))
    return { unsupported: 'a node id outside [0, 2^21) or a tree id outside [0, 2^31)' };
  for (let k = 0; k < n; k++) {
    if (position.has(key(treeIds[k]!, nodeIds[k]!))) return { unsupported: `node ${nodeIds[k]} of tree ${treeIds[k]} is declared twice` };
    position.set(key(treeIds[k]!, nodeIds[k]!), k);
  }
  const branchIndex = new Int32Array(n).fill(-1);
  const leafIndex = new Int32Array(n).fill(-1);
  let branches = 0;
  let leaves = 0;
  for (let k = 0; k < n; k++) {
    if (modes[k] === 'LEAF') leafIndex[k] = leaves++;
    else branchIndex[k] = branches++;
  }
  const feature = new Int32Array(branches);
  const threshold = new Float64Array(branches);
  const missingGoesTrue = new Uint8Array(branches);
  const onTrue = new Int32Array(branches);
  const onFalse = new Int32Array(branches);
  const leafValue = new Float64Array(leaves);
  const ref = (k: number) => (leafIndex[k]! >= 0 ? ~leafIndex[k]! : branchIndex[k]!);
  let columns = 0;
  for (let k = 0; k < n; k++) {
    const b = branchIndex[k]!;
    if (b < 0) continue;
    const t = position.get(key(treeIds[k]!, trueIds[k]!));
    const fl = position.get(key(treeIds[k]!, falseIds[k]!));
    if (t === undefined || fl === undefined) return { unsupported: `node ${nodeIds[k]} of tree ${treeIds[k]} points at a missing child` };
    feature[b] = featureIds[k]!;
    columns = Math.max(columns, featureIds[k]! + 1);
    threshold[b] = f32(values[k]!);
    missingGoesTrue[b] = missingTrue[k] ? 1 : 0;
    onTrue[b] = ref(t);
    onFalse[b] = ref(fl);
  }
  for (let j = 0; j < targetTrees.length; j++) {
    const k = position.get(key(targetTrees[j]!, targetNodes[j]!));
    if (k === undefined || leafIndex[k]! < 0) return { unsupported: `target ${j} does not name a leaf` };
    leafValue[leafIndex[k]!] = f32(leafValue[leafIndex[k]!]! + f32(weights[j]!));
  }
  // Roots in the order their trees first appear; a root is a node no other node points at.
  const child = new Set<number>();
  for (let b = 0; b < branches; b++) child.add(onTrue[b]!).add(onFalse[b]!);
  const seen = new Set<number>();
  const rootList: number[] = [];
  for (let k = 0; k < n; k++) {
    if (seen.has(treeIds[k]!)) continue;
    seen.add(treeIds[k]!);
    const roots = [];
    for (let j = k; j < n; j++) if (treeIds[j] === treeIds[k] && !child.has(ref(j))) roots.push(ref(j));
    if (roots.length !== 1) return { unsupported: `tree ${treeIds[k]} has ${roots.length} roots` };
    rootList.push(roots[0]!);
  }
  const roots = Int32Array.from(rootList);
  const baseValue = f32(base[0] ?? 0);

  // The walk: child links, one data-dependent branch per level (mispredicted about half the time).
  const walk = (input: Float32Array, offset: number): number => {
    let sum = 0;
    for (let t = 0; t < roots.length; t++) {
      let k = roots[t]!;
      while (k >= 0) {
        const x = input[offset + feature[k]!]!;
        // NaN compares false: it goes the false way unless the node sends missing values the true way.
        k = x <= threshold[k]! || (missingGoesTrue[k] === 1 && x !== x) ? onTrue[k]! : onFalse[k]!;
      }
      sum = f32(sum + leafValue[~k]!);
    }
    return f32(sum + baseValue);
  };
  const perfect = missingGoesTrue.includes(1)
    ? undefined
    : perfectLayout(roots, { feature, threshold, onTrue, onFalse, leafValue }, baseValue, PERFECT_MAX_DEPTH);
  const logOdds = perfect?.one ?? walk;
  // One scratch buffer per ensemble, not per call (scoring is synchronous): a one-row request allocates only its output.
  const fourLogOdds = new Float64Array(4);
  return {
    ensemble: {
      trees: roots.length,
      columns,
      layout: perfect ? 'perfect' : 'walk',
      logOdds,
      score(input, rows, width, kernel) {
        const out = new Float32Array(rows);
        let r = 0;
        if (perfect) {
          for (; r + 4 <= rows; r += 4) {
            perfect.four(input, r * width, (r + 1) * width, (r + 2) * width, (r + 3) * width, fourLogOdds);
            for (let j = 0; j < 4; j++) out[r + j] = mlasLogistic(fourLogOdds[j]!, kernel);
          }
        }
        for (; r < rows; r++) out[r] = mlasLogistic(logOdds(input, r * width), kernel);
        return out;
      },
      thresholds(column) {
        const found: number[] = [];
        for (let b = 0; b < branches; b++) if (feature[b] === column) found.push(threshold[b]!);
        return found;
      },
    },
  };
}

/** Deeper trees are walked by their links: a perfect tree of depth 9 would hold 511 branches. */
const PERFECT_MAX_DEPTH = 8;

/** The log-odds of one row at `offset`, or of four rows at once into `out[0..3]`. */
interface PerfectTrees {
  one(input: Float32Array, offset: number): number;
  four(input: Float32Array, o0: number, o1: number, o2: number, o3: number, out: Float64Array): void;
}

interface Links {
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly onTrue: Int32Array;
  readonly onFalse: Int32Array;
  readonly leafValue: Float64Array;
}

/**
 * Every tree padded to a perfect binary tree of the ensemble's depth D, in heap order (the children
 * of position k at 2k + 1, true, and 2k + 2, false): a row descends by arithmetic,
 * `k = 2k + 1 + !(x <= t)`, with no data-dependent branch, which about halves the time of the walk
 * on real rows (`npm run bench -- --only scorer`). A leaf above depth D becomes a subtree whose
 * padding branches (feature 0, threshold 0) lead to copies of its value either way, so every path
 * sums the same leaves in the same tree order: the same float32 result as the walk. NaN compares
 * false and goes the false way, as in the walk; models that send missing values the true way are
 * walked. Undefined when the trees are deeper than `maxDepth`.
 */
function perfectLayout(roots: Int32Array, links: Links, baseValue: number, maxDepth: number): PerfectTrees | undefined {
  const depthOf = (k: number): number => (k < 0 ? 0 : 1 + Math.max(depthOf(links.onTrue[k]!), depthOf(links.onFalse[k]!)));
  const depth = Math.max(...Array.from(roots, depthOf));
  if (depth > maxDepth) return undefined;
  const inner = 2 ** depth - 1;
  const leaves = 2 ** depth;
  const trees = roots.length;
  const feature = new Int32Array(trees * inner);
  const threshold = new Float64Array(trees * inner);
  const leafValue = new Float64Array(trees * leaves);
  for (let t = 0; t < trees; t++) {
    // `node`: a branch index, a leaf (~index) reached above depth D, or a padded position below it.
    const place = (node: number, position: number, level: number) => {
      if (level === depth) {
        leafValue[t * leaves + position - inner] = links.leafValue[~node]!;
        return;
      }
      const padding = node < 0;
      feature[t * inner + position] = padding ? 0 : links.feature[node]!;
      threshold[t * inner + position] = padding ? 0 : links.threshold[node]!;
      place(padding ? node : links.onTrue[node]!, 2 * position + 1, level + 1);
      place(padding ? node : links.onFalse[node]!, 2 * position + 2, level + 1);
    };
    place(roots[t]!, 0, 0);
  }
  const one = (input: Float32Array, offset: number): number => {
    let sum = 0;
    for (let t = 0; t < trees; t++) {
      const branches = t * inner;
      let k = 0;
      for (let level = 0; level < depth; level++) {
        k = 2 * k + 1 + +!(input[offset + feature[branches + k]!]! <= threshold[branches + k]!);
      }
      sum = f32(sum + leafValue[t * leaves + k - inner]!);
    }
    return f32(sum + baseValue);
  };
  // Four rows at once: four independent chains of loads and compares, which the CPU overlaps (one
  // row's descent waits on each load): about half the time per row. Each row's leaves are summed in
  // the same tree order as by `one`, so the bits are the same.
  const four = (input: Float32Array, o0: number, o1: number, o2: number, o3: number, out: Float64Array): void => {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let t = 0; t < trees; t++) {
      const branches = t * inner;
      let k0 = 0;
      let k1 = 0;
      let k2 = 0;
      let k3 = 0;
      for (let level = 0; level < depth; level++) {
        k0 = 2 * k0 + 1 + +!(input[o0 + feature[branches + k0]!]! <= threshold[branches + k0]!);
        k1 = 2 * k1 + 1 + +!(input[o1 + feature[branches + k1]!]! <= threshold[branches + k1]!);
        k2 = 2 * k2 + 1 + +!(input[o2 + feature[branches + k2]!]! <= threshold[branches + k2]!);
        k3 = 2 * k3 + 1 + +!(input[o3 + feature[branches + k3]!]! <= threshold[branches + k3]!);
      }
      const leaf = t * leaves - inner;
      s0 = f32(s0 + leafValue[leaf + k0]!);
      s1 = f32(s1 + leafValue[leaf + k1]!);
      s2 = f32(s2 + leafValue[leaf + k2]!);
      s3 = f32(s3 + leafValue[leaf + k3]!);
    }
    out[0] = f32(s0 + baseValue);
    out[1] = f32(s1 + baseValue);
    out[2] = f32(s2 + baseValue);
    out[3] = f32(s3 + baseValue);
  };
  return { one, four };
}

/**
 * Rows that walk every edge of the trees' comparisons: `base` rows (the reference), then for each
 * feature read by a branch, copies of base rows with the feature set to each of its thresholds
 * exactly (the `<=` tie) and to the float32 just above, then rows with each column missing (NaN)
 * and infinite. Deterministic: the copied base row cycles through the base rows.
 */
export function edgeRows(
  ensemble: TreeEnsemble,
  base: Float32Array,
  baseRows: number,
  width: number,
): { input: Float32Array; rows: number } {
  const extra: Float32Array[] = [];
  let cycle = 0;
  const copy = () => {
    const r = cycle++ % baseRows;
    return base.slice(r * width, (r + 1) * width);
  };
  for (let c = 0; c < Math.min(ensemble.columns, width); c++) {
    for (const t of new Set(ensemble.thresholds(c))) {
      for (const v of [t, nextFloat32Up(t)]) {
        const row = copy();
        row[c] = v;
        extra.push(row);
      }
    }
    for (const v of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      const row = copy();
      row[c] = v;
      extra.push(row);
    }
  }
  extra.push(new Float32Array(width).fill(Number.NaN));
  const input = new Float32Array((baseRows + extra.length) * width);
  input.set(base.subarray(0, baseRows * width));
  extra.forEach((row, k) => input.set(row, (baseRows + k) * width));
  return { input, rows: baseRows + extra.length };
}

/** The next float32 above a finite float32 x. */
function nextFloat32Up(x: number): number {
  const bits = new Float32Array([x]);
  const u = new Int32Array(bits.buffer);
  if (x === 0) return 1.401298464324817e-45;
  u[0] = x > 0 ? u[0]! + 1 : u[0]! - 1;
  return bits[0]!;
}
