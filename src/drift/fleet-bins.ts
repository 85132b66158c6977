/**
 * Fleet drift bins: fixed, mergeable bins for every feature of a model, so that counters exported
 * by each replica can be summed over the fleet (in Prometheus) and compared with the reference.
 *
 * - Numerical features: exactly the robust method's PSI bins, the distinct reference deciles as
 *   prepareColumn() computes them (methods/prepared-reference.ts, stats/binning.ts quantileEdges),
 *   right-closed with open outer bins: (-inf, e0], (e0, e1], ..., (ek-1, +inf). A value's bin is
 *   the number of edges strictly below it (stats/binning.ts lowerBound, numpy.searchsorted "left"),
 *   the same rule rightClosedCounts() counts the reference with. Bin labels are `q00`, `q01`, ...
 *   by index (zero-padded, so they sort), not by edge: edges are float32-rounded reference values
 *   that make poor label values; ml_drift_bin_upper_edge exports each bin's upper edge instead
 *   (the last bin is open: no edge).
 * - Categorical features: one bin per schema category (in schema order), then `unseen` for a code
 *   outside the schema's categories (the service refuses those with 400, so live traffic never
 *   fills it; a CSV given to `ml-service drift --model-dir` can).
 * - Every feature ends with `missing`: the row did not carry the feature (the model was given the
 *   schema's missing_value). PSI is over the value bins only, as the robust method drops missing
 *   values; the missing share is its own signal.
 *
 * Bin labels come from the schema alone. A category literally named `missing` or `unseen` (or
 * whatever an earlier rename produced) is labelled with a leading `_` until it is unique, so the
 * two special names always mean the special bins (the recording rules select on them).
 */
import type { Column } from './dataset.js';
import { prepareColumn } from './methods/prepared-reference.js';
import { lowerBound } from './stats/binning.js';
import { fillZeroShares, psi, PSI_ZERO_FILL } from './stats/psi.js';
import type { EncodedLayout } from './window.js';

export const MISSING_BIN = 'missing';
export const UNSEEN_BIN = 'unseen';

/** One feature's bins, in label order; `missing` is always the last bin. */
export interface FeatureBins {
  readonly name: string;
  readonly kind: 'numerical' | 'categorical';
  /** Bin label values. */
  readonly bins: readonly string[];
  /** Numerical: the inner edges, bin k being (edges[k-1], edges[k]]; empty for categorical features. */
  readonly edges: Float64Array;
  /** Categorical: the number of schema categories (codes 0..categories-1); 0 for numerical features. */
  readonly categories: number;
  /** Index of the `unseen` bin (categorical), or -1. */
  readonly unseen: number;
  /** Index of the `missing` bin (the last). */
  readonly missing: number;
  /**
   * The reference's share per bin: value bins among its non-missing values (the shares the robust
   * method's PSI compares; they sum to 1), `missing` among all its rows.
   */
  readonly referenceRatios: Float64Array;
}

/** The bin of a decoded value: NaN is missing; a category code outside the schema is unseen. */
export function binIndex(feature: FeatureBins, value: number): number {
  if (value !== value) return feature.missing;
  if (feature.kind === 'numerical') return lowerBound(feature.edges, value);
  return Number.isInteger(value) && value >= 0 && value < feature.categories ? value : feature.unseen;
}

/**
 * Each feature's bins from the reference columns as drift compares them (drift/model-drift.ts
 * modelReference(): numeric values float32-rounded, categorical values as codes of the schema's
 * categories), computed once per model.
 */
export function referenceBins(columns: readonly Column[]): FeatureBins[] {
  return columns.map((column): FeatureBins => {
    const prepared = prepareColumn(column);
    const rows = prepared.rows;
    const present = rows - prepared.missing;
    if (prepared.kind === 'numerical') {
      const valueBins = prepared.quantileCounts.length;
      const width = Math.max(2, String(valueBins - 1).length);
      const referenceRatios = new Float64Array(valueBins + 1);
      for (let k = 0; k < valueBins; k++) referenceRatios[k] = present === 0 ? 0 : prepared.quantileCounts[k]! / present;
      referenceRatios[valueBins] = rows === 0 ? 0 : prepared.missing / rows;
      return {
        name: column.name,
        kind: 'numerical',
        bins: [...Array.from({ length: valueBins }, (_, k) => `q${String(k).padStart(width, '0')}`), MISSING_BIN],
        edges: prepared.quantileEdges,
        categories: 0,
        unseen: -1,
        missing: valueBins,
        referenceRatios,
      };
    }
    const categories = prepared.categories;
    const taken = new Set<string>([...categories, MISSING_BIN, UNSEEN_BIN]);
    const labels = categories.map((category) => {
      if (category !== MISSING_BIN && category !== UNSEEN_BIN) return category;
      let label = `_${category}`;
      while (taken.has(label)) label = `_${label}`;
      taken.add(label);
      return label;
    });
    const referenceRatios = new Float64Array(categories.length + 2);
    for (let c = 0; c < categories.length; c++) referenceRatios[c] = present === 0 ? 0 : prepared.counts[c]! / present;
    referenceRatios[categories.length + 1] = rows === 0 ? 0 : prepared.missing / rows;
    return {
      name: column.name,
      kind: 'categorical',
      bins: [...labels, UNSEEN_BIN, MISSING_BIN],
      edges: new Float64Array(0),
      categories: categories.length,
      unseen: categories.length,
      missing: categories.length + 1,
      referenceRatios,
    };
  });
}

/** Counts per bin of one column of decoded values (NaN = missing), with the same binIndex. */
export function countBins(feature: FeatureBins, values: Float64Array): Float64Array {
  const counts = new Float64Array(feature.bins.length);
  for (let k = 0; k < values.length; k++) counts[binIndex(feature, values[k]!)]!++;
  return counts;
}

/**
 * PSI of one feature's bin counts against its reference ratios, as the robust method computes it
 * and as the fleet recording rules (alert-rules.yml ml:drift_psi:*) do in PromQL: over the value
 * bins (missing excluded), shares of the non-missing count, a zero share on either side filled
 * with 1e-4 without renormalising. NaN when no value was counted.
 */
export function binPsi(feature: FeatureBins, counts: Float64Array): number {
  const valueBins = feature.missing;
  let present = 0;
  for (let k = 0; k < valueBins; k++) present += counts[k]!;
  if (present === 0) return NaN;
  const current = fillZeroShares(
    Float64Array.from({ length: valueBins }, (_, k) => counts[k]! / present),
    PSI_ZERO_FILL,
  );
  const reference = fillZeroShares(feature.referenceRatios.subarray(0, valueBins), PSI_ZERO_FILL);
  return psi(reference, current);
}

/**
 * The bin counts of one model's scored rows, all features in one array: what each replica exports
 * as ml_drift_bin_rows_total. Storage is allocated once; appending a batch costs O(rows × features)
 * (at most 9 edge comparisons per numeric feature) and allocates nothing.
 */
export interface BinCounts {
  readonly features: readonly FeatureBins[];
  /** Count per (feature, bin): feature f's bins start at `starts[f]`. */
  readonly counts: Float64Array;
  readonly starts: Int32Array;
  /** Count `rows` scored rows of an encoded batch; `given` as DriftWindow.append takes it. */
  append(rows: number, input: Float32Array, given: Uint8Array): void;
}

export function createBinCounts(layout: EncodedLayout, features: readonly FeatureBins[]): BinCounts {
  if (features.length !== layout.features.length)
    throw new RangeError(`${layout.features.length} features in the layout, ${features.length} binned`);
  const featureCount = features.length;
  const starts = new Int32Array(featureCount);
  let total = 0;
  features.forEach((feature, f) => {
    starts[f] = total;
    total += feature.bins.length;
  });
  const counts = new Float64Array(total);
  const offsets = Int32Array.from(layout.features, (f) => f.offset);
  // 0 for numeric features, else the number of one-hot columns (as drift/window.ts decodes them).
  const widths = Int32Array.from(layout.features, (f) => (f.type === 'categorical' ? f.categories.length : 0));
  // Every numeric feature's edges in one array, and the absolute slot of each feature's missing bin:
  // the row loop reads typed arrays only.
  const edges = Float64Array.from(features.flatMap((feature) => [...feature.edges]));
  const edgeStarts = new Int32Array(featureCount + 1);
  features.forEach((feature, f) => (edgeStarts[f + 1] = edgeStarts[f]! + feature.edges.length));
  const missingSlots = Int32Array.from(features, (feature, f) => starts[f]! + feature.missing);
  const width = layout.width;
  return {
    features,
    counts,
    starts,
    append(rows, input, given) {
      for (let r = 0; r < rows; r++) {
        const base = r * width;
        const givenBase = r * featureCount;
        for (let f = 0; f < featureCount; f++) {
          if (given[givenBase + f] !== 1) {
            counts[missingSlots[f]!]!++;
            continue;
          }
          const offset = base + offsets[f]!;
          const categories = widths[f]!;
          let bin = 0;
          if (categories === 0) {
            // binIndex's lowerBound as a count of the edges strictly below the value, over at most
            // 9 edges without an early exit: about half the time per row of a binary search, whose
            // data-dependent branches mispredict (npm run bench -- --only metrics). The unit test
            // test/unit/drift/fleet-bins.test.ts checks that both count alike, edges included.
            const value = input[offset]!;
            const end = edgeStarts[f + 1]!;
            for (let k = edgeStarts[f]!; k < end; k++) bin += Number(edges[k]! < value);
          } else {
            // The category's one-hot column; a group without a 1 (writeGivenFeatures never writes
            // one) falls through to `unseen`, the bin after the categories.
            while (bin < categories && input[offset + bin] !== 1) bin++;
          }
          counts[starts[f]! + bin]!++;
        }
      }
    },
  };
}
