/**
 * What drift reads of a model's encoded row (the model's input): a numeric feature is one column
 * at `offset`; a categorical one is `categories` one-hot columns from `offset`. Declared here,
 * structurally, because drift/ does not import model/: the app layer passes the model's own layout
 * (model/feature-schema.ts `RowLayout`), which satisfies it.
 */
export type EncodedFeature = (
  | { readonly name: string; readonly type: 'numeric'; readonly offset: number }
  | { readonly name: string; readonly type: 'categorical'; readonly offset: number; readonly categories: readonly string[] }
) & { readonly drift?: FeatureDriftTolerances | undefined };

/** schema.json's per-feature `drift` tolerances (model/feature-schema.ts), read by the tolerance method. */
export interface FeatureDriftTolerances {
  readonly tolerance?: number | undefined;
  readonly missing_tolerance?: number | undefined;
  readonly outlier_tolerance?: number | undefined;
}

export interface EncodedLayout {
  /** Width of one encoded row. */
  readonly width: number;
  /** Schema order: feature f of the layout is column f of the window. */
  readonly features: readonly EncodedFeature[];
}

/** A copy of a window's rows: one Float64Array per feature (NaN = missing) plus the scores. */
export interface WindowSnapshot {
  readonly rows: number;
  readonly columns: Float64Array[];
  readonly scores: Float64Array;
  /** Rows appended since the window was created (including those overwritten). */
  readonly total: number;
}

/**
 * The last `capacity` scored rows of one model, as raw feature values: numeric values, or the
 * category index for categorical features; NaN where the client omitted the feature (the model
 * saw the schema's missing value instead; drift looks at what clients send, and counts the gaps).
 *
 * Storage is allocated once: one Float64Array per feature and one for scores, written in place
 * as a ring. Appending a batch costs O(rows × features) stores and allocates nothing.
 */
export interface DriftWindow {
  readonly capacity: number;
  readonly size: number;
  /**
   * Append `rows` scored rows: `input` is the encoded batch (rows × width), `given[r * features + f]`
   * is 1 when the client sent feature f of row r, `scores[r]` the model's output for row r.
   */
  append(rows: number, input: Float32Array, given: Uint8Array, scores: Float32Array): void;
  /** Copy the rows currently held (in arrival order) into fresh arrays, transferable to a worker. */
  snapshot(): WindowSnapshot;
}

export function createDriftWindow(layout: EncodedLayout, capacity: number): DriftWindow {
  if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`window capacity must be a positive integer, got ${capacity}`);
  const featureCount = layout.features.length;
  const columns = layout.features.map(() => new Float64Array(capacity));
  const scores = new Float64Array(capacity);
  const offsets = Int32Array.from(layout.features.map((f) => f.offset));
  // 0 for numeric features, else the number of one-hot columns.
  const widths = Int32Array.from(layout.features.map((f) => (f.type === 'categorical' ? f.categories.length : 0)));
  const width = layout.width;
  let next = 0;
  let size = 0;
  let total = 0;

  return {
    capacity,
    get size() {
      return size;
    },
    append(rows, input, given, rowScores) {
      for (let r = 0; r < rows; r++) {
        const base = r * width;
        const givenBase = r * featureCount;
        for (let f = 0; f < featureCount; f++) {
          let value = NaN;
          if (given[givenBase + f] === 1) {
            const offset = base + offsets[f]!;
            const categories = widths[f]!;
            if (categories === 0) {
              value = input[offset]!;
            } else {
              for (let c = 0; c < categories; c++) {
                if (input[offset + c] === 1) {
                  value = c;
                  break;
                }
              }
            }
          }
          columns[f]![next] = value;
        }
        scores[next] = rowScores[r]!;
        next = next + 1 === capacity ? 0 : next + 1;
        if (size < capacity) size++;
      }
      total += rows;
    },
    snapshot() {
      // Oldest first: from `next` to the end (when full), then from 0 to `next`.
      const copy = (source: Float64Array) => {
        const out = new Float64Array(size);
        if (size < capacity) out.set(source.subarray(0, size));
        else {
          out.set(source.subarray(next), 0);
          out.set(source.subarray(0, next), capacity - next);
        }
        return out;
      };
      return { rows: size, columns: columns.map(copy), scores: copy(scores), total };
    },
  };
}
