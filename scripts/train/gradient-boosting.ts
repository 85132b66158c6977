/**
 * Histogram gradient-boosted trees for binary log-loss, small enough to read in one sitting.
 * Second-order (Newton) leaves and split gain as in XGBoost (Chen & Guestrin 2016, eq. 6-7):
 *   leaf = -G / (H + lambda),  gain = GL²/(HL+λ) + GR²/(HR+λ) - G²/(H+λ).
 *
 * Everything the exported ONNX model compares is float32: inputs arrive as float32, thresholds
 * and leaf weights are rounded with Math.fround before they are used in training, so
 * onnxruntime's TreeEnsembleRegressor reproduces these trees' decisions exactly.
 */

export interface BoostingParams {
  readonly trees: number;
  readonly maxDepth: number;
  readonly learningRate: number;
  readonly lambda: number;
  /** Smallest hessian sum allowed in a child (XGBoost's min_child_weight). */
  readonly minChildWeight: number;
  /** Most candidate thresholds per feature. */
  readonly maxBins: number;
}

export interface TreeNode {
  /** -1 for a leaf. */
  readonly feature: number;
  /** Go to `left` when x <= threshold (ONNX mode BRANCH_LEQ). */
  readonly threshold: number;
  readonly left: number;
  readonly right: number;
  /** Leaf weight (already scaled by the learning rate); 0 for internal nodes. */
  readonly value: number;
}

export interface BoostedTrees {
  readonly baseScore: number;
  readonly trees: readonly (readonly TreeNode[])[];
  /** Total split gain per input column. */
  readonly gainByColumn: Float64Array;
}

/** Matrix in row-major order: value of column c in row r at r * columns + c. */
export interface Matrix {
  readonly data: Float32Array;
  readonly rows: number;
  readonly columns: number;
}

export function fitBoostedTrees(x: Matrix, labels: Uint8Array, params: BoostingParams): BoostedTrees {
  const { rows, columns } = x;
  const thresholds = Array.from({ length: columns }, (_, c) => candidateThresholds(x, c, params.maxBins));
  const binned = Array.from({ length: columns }, (_, c) => binColumn(x, c, thresholds[c]!));
  const binCount = Math.max(...thresholds.map((t) => t.length)) + 1;

  let positives = 0;
  for (let i = 0; i < rows; i++) positives += labels[i]!;
  const baseScore = Math.fround(Math.log(positives / (rows - positives)));
  const margin = new Float64Array(rows).fill(baseScore);
  const grad = new Float64Array(rows);
  const hess = new Float64Array(rows);
  const gainByColumn = new Float64Array(columns);
  const histG = new Float64Array(columns * binCount);
  const histH = new Float64Array(columns * binCount);
  const trees: TreeNode[][] = [];

  for (let t = 0; t < params.trees; t++) {
    for (let i = 0; i < rows; i++) {
      const p = 1 / (1 + Math.exp(-margin[i]!));
      grad[i] = p - labels[i]!;
      hess[i] = Math.max(p * (1 - p), 1e-16);
    }
    const nodes: TreeNode[] = [];
    const allRows = new Uint32Array(rows);
    for (let i = 0; i < rows; i++) allRows[i] = i;

    const grow = (members: Uint32Array, depth: number): number => {
      let g = 0;
      let h = 0;
      for (const i of members) {
        g += grad[i]!;
        h += hess[i]!;
      }
      const id = nodes.length;
      const leaf = (): number => {
        const value = Math.fround((-g / (h + params.lambda)) * params.learningRate);
        nodes[id] = { feature: -1, threshold: 0, left: 0, right: 0, value };
        for (const i of members) margin[i] = margin[i]! + value;
        return id;
      };
      nodes.push({ feature: -1, threshold: 0, left: 0, right: 0, value: 0 }); // placeholder keeps ids pre-order
      if (depth >= params.maxDepth || h < 2 * params.minChildWeight) return leaf();

      histG.fill(0);
      histH.fill(0);
      for (let c = 0; c < columns; c++) {
        const bins = binned[c]!;
        const base = c * binCount;
        for (const i of members) {
          const b = base + bins[i]!;
          histG[b] = histG[b]! + grad[i]!;
          histH[b] = histH[b]! + hess[i]!;
        }
      }
      const parentScore = (g * g) / (h + params.lambda);
      let bestGain = 0;
      let bestColumn = -1;
      let bestBin = -1;
      for (let c = 0; c < columns; c++) {
        const base = c * binCount;
        let gl = 0;
        let hl = 0;
        for (let b = 0; b < thresholds[c]!.length; b++) {
          gl += histG[base + b]!;
          hl += histH[base + b]!;
          const gr = g - gl;
          const hr = h - hl;
          if (hl < params.minChildWeight || hr < params.minChildWeight) continue;
          const gain = (gl * gl) / (hl + params.lambda) + (gr * gr) / (hr + params.lambda) - parentScore;
          if (gain > bestGain) {
            bestGain = gain;
            bestColumn = c;
            bestBin = b;
          }
        }
      }
      if (bestColumn === -1) return leaf();

      const bins = binned[bestColumn]!;
      let leftCount = 0;
      for (const i of members) if (bins[i]! <= bestBin) leftCount++;
      const leftRows = new Uint32Array(leftCount);
      const rightRows = new Uint32Array(members.length - leftCount);
      let l = 0;
      let r = 0;
      for (const i of members) {
        if (bins[i]! <= bestBin) leftRows[l++] = i;
        else rightRows[r++] = i;
      }
      gainByColumn[bestColumn] = gainByColumn[bestColumn]! + bestGain;
      const left = grow(leftRows, depth + 1);
      const right = grow(rightRows, depth + 1);
      nodes[id] = { feature: bestColumn, threshold: thresholds[bestColumn]![bestBin]!, left, right, value: 0 };
      return id;
    };
    grow(allRows, 0);
    trees.push(nodes);
  }
  return { baseScore, trees, gainByColumn };
}

/** Log-odds for each row, evaluating the trees exactly as onnxruntime does (float32 compares). */
export function predictMargin(model: BoostedTrees, x: Matrix): Float64Array {
  const out = new Float64Array(x.rows);
  for (let r = 0; r < x.rows; r++) {
    let sum = model.baseScore;
    const base = r * x.columns;
    for (const nodes of model.trees) {
      let node = nodes[0]!;
      while (node.feature !== -1) node = nodes[x.data[base + node.feature]! <= node.threshold ? node.left : node.right]!;
      sum += node.value;
    }
    out[r] = sum;
  }
  return out;
}

export const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/**
 * Split candidates of one column, as float32 values: midpoints between distinct values when
 * there are few, else distinct quantiles of the data.
 */
function candidateThresholds(x: Matrix, column: number, maxBins: number): Float32Array {
  const values = new Float32Array(x.rows);
  for (let r = 0; r < x.rows; r++) values[r] = x.data[r * x.columns + column]!;
  values.sort();
  const distinct: number[] = [];
  for (const v of values) if (distinct.length === 0 || distinct[distinct.length - 1] !== v) distinct.push(v);
  const cuts: number[] = [];
  if (distinct.length <= maxBins) {
    for (let i = 0; i + 1 < distinct.length; i++) {
      const mid = Math.fround((distinct[i]! + distinct[i + 1]!) / 2);
      // Adjacent float32 values have no float32 strictly between them: keep the lower one.
      cuts.push(mid < distinct[i + 1]! ? mid : distinct[i]!);
    }
  } else {
    for (let k = 1; k < maxBins; k++) {
      const v = values[Math.floor((k * x.rows) / maxBins)]!;
      if (v !== values[x.rows - 1] && (cuts.length === 0 || cuts[cuts.length - 1] !== v)) cuts.push(v);
    }
  }
  return Float32Array.from(cuts);
}

/** Bin b holds values with thresholds[b-1] < x <= thresholds[b]. */
function binColumn(x: Matrix, column: number, thresholds: Float32Array): Uint16Array {
  const bins = new Uint16Array(x.rows);
  for (let r = 0; r < x.rows; r++) {
    const v = x.data[r * x.columns + column]!;
    let lo = 0;
    let hi = thresholds.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (v <= thresholds[mid]!) hi = mid;
      else lo = mid + 1;
    }
    bins[r] = lo;
  }
  return bins;
}
