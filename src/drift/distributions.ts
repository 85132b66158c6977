/**
 * Reference and current distributions of each column on the bins the HTML report draws: what a
 * person compares by eye beside each column's test. Pure functions of their inputs.
 *
 * - Numerical columns: the reference's deciles (methods/prepared-reference.ts, the bins the robust
 *   method's PSI and the fleet bins use), right-closed with open outer bins, then `missing`. The
 *   bins depend on the reference alone, so a window is compared with fixed bins. The evidently
 *   method's own bins (Sturges over the pooled sample, or one per value) move with every window;
 *   the report draws the reference deciles for it too and says so.
 * - Categorical columns: one bin per category (the current column's list, which extends the
 *   reference's with values it never had: those are flagged `unseen`), then `missing`. Beyond
 *   MAX_CATEGORY_BINS categories, the largest (by the larger of both shares) are kept and the rest
 *   share one `other` bin, so a report's size does not grow with a column's cardinality.
 *
 * Value bins' shares are of the non-missing values (as PSI compares them; they sum to 1 on each
 * side), the `missing` share is of all rows, as in fleet-bins.ts.
 */
import type { Column } from './dataset.js';
import { prepareColumn } from './methods/prepared-reference.js';
import type { ModelReference } from './model-drift.js';
import { lowerBound } from './stats/binning.js';
import type { WindowSnapshot } from './window.js';

/** Categories drawn one bar each; the rest are summed into one `other` bin. */
export const MAX_CATEGORY_BINS = 30;

export type DistributionBinKind = 'value' | 'unseen' | 'other' | 'missing';

export interface DistributionBin {
  /** Display label: an edge range, a category, or a special bin's name. */
  readonly label: string;
  readonly kind: DistributionBinKind;
  readonly reference: number;
  readonly current: number;
}

export interface ColumnDistribution {
  readonly name: string;
  readonly kind: 'numerical' | 'categorical';
  /** Which bins these are, in words (the report prints it under the chart). */
  readonly binning: string;
  readonly reference_rows: number;
  readonly current_rows: number;
  readonly bins: readonly DistributionBin[];
}

/** Everything that depends on the reference alone; measure() bins a current column against it. */
export interface PreparedDistribution {
  measure(current: Column): ColumnDistribution;
}

const share = (part: number, whole: number) => (whole > 0 ? part / whole : 0);

/** Four significant digits, no exponent for ordinary magnitudes: edges read as numbers, not noise. */
function formatEdge(x: number): string {
  if (x === 0) return '0';
  const magnitude = Math.abs(x);
  if (magnitude >= 1e-3 && magnitude < 1e7) return String(Number(x.toPrecision(4)));
  return x.toExponential(3);
}

function numericalLabels(edges: Float64Array): string[] {
  if (edges.length === 0) return ['all values'];
  const labels = [`≤ ${formatEdge(edges[0]!)}`];
  for (let k = 1; k < edges.length; k++) labels.push(`(${formatEdge(edges[k - 1]!)}, ${formatEdge(edges[k]!)}]`);
  labels.push(`> ${formatEdge(edges[edges.length - 1]!)}`);
  return labels;
}

/** Finite values per bin (edges from the reference), and the missing count. */
function countNumerical(edges: Float64Array, values: Float64Array): { counts: Float64Array; missing: number } {
  const counts = new Float64Array(edges.length + 1);
  let missing = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) counts[lowerBound(edges, v)]!++;
    else missing++;
  }
  return { counts, missing };
}

/** Counts per code below `size`; any other value (NaN, an invalid code) is missing, as dataset.ts says. */
function countCategorical(values: Float64Array, size: number): { counts: Float64Array; missing: number } {
  const counts = new Float64Array(size);
  let missing = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isInteger(v) && v >= 0 && v < size) counts[v]!++;
    else missing++;
  }
  return { counts, missing };
}

/** Labels made unique by a leading `_`, so that two bins never share an axis position. */
function uniqueLabels(labels: readonly string[], reserved: readonly string[]): string[] {
  const taken = new Set(reserved);
  return labels.map((label) => {
    let unique = label;
    while (taken.has(unique)) unique = `_${unique}`;
    taken.add(unique);
    return unique;
  });
}

export function prepareDistribution(reference: Column): PreparedDistribution {
  const rows = reference.values.length;
  if (reference.kind === 'numerical') {
    const prepared = prepareColumn(reference);
    if (prepared.kind !== 'numerical') throw new TypeError('unreachable');
    const edges = prepared.quantileEdges;
    const labels = numericalLabels(edges);
    const present = rows - prepared.missing;
    const referenceShares = Array.from(prepared.quantileCounts, (c) => share(c, present));
    return {
      measure(current) {
        const { counts, missing } = countNumerical(edges, current.values);
        const currentPresent = current.values.length - missing;
        return {
          name: reference.name,
          kind: 'numerical',
          binning: `reference deciles (${labels.length} bins, right-closed); shares of non-missing values, missing: share of all rows`,
          reference_rows: rows,
          current_rows: current.values.length,
          bins: [
            ...labels.map((label, k) => ({
              label,
              kind: 'value' as const,
              reference: referenceShares[k]!,
              current: share(counts[k]!, currentPresent),
            })),
            { label: 'missing', kind: 'missing', reference: share(prepared.missing, rows), current: share(missing, current.values.length) },
          ],
        };
      },
    };
  }
  const referenceCategories = reference.categories ?? [];
  const ref = countCategorical(reference.values, referenceCategories.length);
  const refPresent = rows - ref.missing;
  return {
    measure(current) {
      // The current list extends the reference's (dataset.ts): equal codes are equal values.
      const categories = current.categories ?? referenceCategories;
      const cur = countCategorical(current.values, categories.length);
      const curPresent = current.values.length - cur.missing;
      const all = categories.map((category, code) => {
        const reference = share(ref.counts[code] ?? 0, refPresent);
        const currentShare = share(cur.counts[code]!, curPresent);
        const unseen = !((ref.counts[code] ?? 0) > 0) && cur.counts[code]! > 0;
        return { category, kind: unseen ? ('unseen' as const) : ('value' as const), reference, current: currentShare };
      });
      const present = all.filter((b) => b.reference > 0 || b.current > 0);
      const kept =
        present.length <= MAX_CATEGORY_BINS
          ? present
          : [...present]
              .sort((a, b) => Math.max(b.reference, b.current) - Math.max(a.reference, a.current))
              .slice(0, MAX_CATEGORY_BINS)
              .sort((a, b) => all.indexOf(a) - all.indexOf(b));
      const rest = present.filter((b) => !kept.includes(b));
      const specials = rest.length > 0 ? [`other (${rest.length} categories)`, 'missing'] : ['missing'];
      const labels = uniqueLabels(
        kept.map((b) => (b.kind === 'unseen' ? `${b.category} (unseen)` : b.category)),
        specials,
      );
      const bins: DistributionBin[] = kept.map((b, k) => ({ label: labels[k]!, kind: b.kind, reference: b.reference, current: b.current }));
      if (rest.length > 0) {
        bins.push({
          label: specials[0]!,
          kind: 'other',
          reference: rest.reduce((sum, b) => sum + b.reference, 0),
          current: rest.reduce((sum, b) => sum + b.current, 0),
        });
      }
      bins.push({
        label: 'missing',
        kind: 'missing',
        reference: share(ref.missing, rows),
        current: share(cur.missing, current.values.length),
      });
      return {
        name: reference.name,
        kind: 'categorical',
        binning:
          rest.length > 0
            ? `categories: the ${MAX_CATEGORY_BINS} largest, then the other ${rest.length} together; shares of non-missing values, missing: share of all rows`
            : 'one bin per category; shares of non-missing values, missing: share of all rows',
        reference_rows: rows,
        current_rows: current.values.length,
        bins,
      };
    },
  };
}

/** Distributions of every column of a dataset (reference and current in the same order). */
export function columnDistributions(reference: readonly Column[], current: readonly Column[]): ColumnDistribution[] {
  return reference.map((column, k) => prepareDistribution(column).measure(current[k]!));
}

/** A model window's distributions: every feature (schema order) and the model's scores. */
export interface ModelDistributions {
  readonly features: readonly ColumnDistribution[];
  readonly prediction: ColumnDistribution;
}

/**
 * Prepared once per model (the drift worker does it beside prepareModel), measured on each window
 * snapshot the evaluation used: the charts show exactly the rows the tests compared.
 */
export function prepareModelDistributions(reference: ModelReference): { measure(snapshot: WindowSnapshot): ModelDistributions } {
  const features = reference.columns.map(prepareDistribution);
  const predictionColumn: Column = { name: 'prediction', kind: 'numerical', values: reference.scores };
  const prediction = prepareDistribution(predictionColumn);
  return {
    measure(snapshot) {
      return {
        features: features.map((prepared, k) => prepared.measure({ ...reference.columns[k]!, values: snapshot.columns[k]! })),
        prediction: prediction.measure({ ...predictionColumn, values: snapshot.scores }),
      };
    },
  };
}
