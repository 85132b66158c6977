import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { StartupError, quoteInput } from '../errors.js';
import { FLOAT32_MAX, type FeatureSchema } from './feature-schema.js';

/**
 * The reference sample a model's live traffic is compared against, one column per schema
 * feature (schema order). Numeric columns hold values, categorical columns hold the category
 * index; NaN marks a missing cell.
 */
export interface ReferenceData {
  readonly rows: number;
  readonly columns: readonly Float64Array[];
}

// A plain decimal, as written by any CSV tool; Number() alone would also take "0x1F", "Infinity", " ".
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

export interface CsvRecord {
  record: string[];
  info: { lines: number };
}

/**
 * Parse CSV text into records with their line numbers; a malformed file throws an Error whose
 * message is one line, `path:line[:column]: malformed CSV: ...`.
 */
export function parseCsvRecords(path: string, text: string): CsvRecord[] {
  try {
    return parse(text, { bom: true, info: true, skip_empty_lines: true }) as unknown as CsvRecord[];
  } catch (err) {
    const e = err as { lines?: number; column?: number; code?: string; message: string };
    // For a ragged row csv-parse's "column" is the field count, not a position: give the line only.
    const column = e.column === undefined || e.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH' ? '' : `:${Number(e.column) + 1}`;
    const where = e.lines === undefined ? '' : `:${e.lines}${column}`;
    throw new Error(`${path}${where}: malformed CSV: ${e.message}`);
  }
}

/**
 * Read and parse a CSV file; a file that cannot be read or parsed throws `makeError(message)` with
 * a one-line message naming the file (`cannot read [what]: ENOENT`, or where the CSV breaks).
 */
export async function readCsvRecords(path: string, what: string, makeError: (message: string) => Error): Promise<CsvRecord[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw makeError(`${path}: cannot read${what && ` ${what}`}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    return parseCsvRecords(path, text);
  } catch (err) {
    throw makeError((err as Error).message);
  }
}

/**
 * Read and validate `reference.csv`: a header naming every schema feature (any order, no other
 * columns), then one row per sample. Empty cells are missing values. Any problem throws a
 * StartupError of the form `path:line:column: problem`.
 */
export async function loadReferenceData(path: string, schema: FeatureSchema): Promise<ReferenceData> {
  const records = await readCsvRecords(path, 'reference data', (message) => new StartupError(message));
  const header = records[0];
  if (!header) throw new StartupError(`${path}:1:1: empty file; expected a header naming the features`);

  // Map CSV column -> feature index; every feature exactly once.
  const featureOfColumn: number[] = [];
  const seen = new Set<number>();
  header.record.forEach((name, column) => {
    const feature = schema.indexOf(name.trim());
    if (feature === undefined) {
      throw new StartupError(
        `${path}:${header.info.lines}:${column + 1}: column ${quoteInput(name)} is not a feature of schema.json (features: ${schema.names.join(', ')})`,
      );
    }
    if (seen.has(feature)) throw new StartupError(`${path}:${header.info.lines}:${column + 1}: duplicate column ${quoteInput(name)}`);
    seen.add(feature);
    featureOfColumn.push(feature);
  });
  const absent = schema.names.filter((_, i) => !seen.has(i));
  if (absent.length > 0) {
    throw new StartupError(`${path}:${header.info.lines}:1: header lacks feature column(s): ${absent.join(', ')}`);
  }

  const rows = records.length - 1;
  if (rows === 0) throw new StartupError(`${path}:${header.info.lines + 1}:1: no data rows after the header`);
  const columns = schema.features.map(() => new Float64Array(rows));
  for (let r = 0; r < rows; r++) {
    const { record, info } = records[r + 1]!;
    for (let c = 0; c < record.length; c++) {
      const feature = featureOfColumn[c]!;
      const spec = schema.features[feature]!;
      const cell = record[c]!.trim();
      let value: number;
      if (cell === '') {
        value = Number.NaN;
      } else if (spec.type === 'numeric') {
        value = DECIMAL.test(cell) ? Number(cell) : Number.NaN;
        if (!Number.isFinite(value) || Math.abs(value) > FLOAT32_MAX) {
          throw new StartupError(`${path}:${info.lines}:${c + 1}: ${spec.name} must be a finite float32 number, got ${quoteInput(cell)}`);
        }
      } else {
        const category = schema.categoryOf(feature, cell);
        if (category === undefined) {
          throw new StartupError(
            `${path}:${info.lines}:${c + 1}: ${spec.name} has no category ${quoteInput(cell)} (allowed: ${spec.categories.join(', ')})`,
          );
        }
        value = category;
      }
      columns[feature]![r] = value;
    }
  }
  return { rows, columns };
}

/** Encode the reference rows as model input, missing cells taking the schema's missing value. */
export function encodeReference(reference: ReferenceData, schema: FeatureSchema): Float32Array {
  const out = new Float32Array(reference.rows * schema.width);
  for (let r = 0; r < reference.rows; r++) {
    const base = r * schema.width;
    out.set(schema.defaults, base);
    schema.features.forEach((spec, f) => {
      const value = reference.columns[f]![r]!;
      if (Number.isNaN(value)) return;
      const column = base + schema.offsetOf(f);
      if (spec.type === 'numeric') {
        out[column] = value;
      } else {
        out.fill(0, column, column + spec.categories.length);
        out[column + value] = 1;
      }
    });
  }
  return out;
}
