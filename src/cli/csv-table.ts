// Not model/index.js: the CLI need not load onnxruntime.
import { readCsvRecords } from '../model/reference-data.js';

/** A CSV file as raw strings per column; an empty cell is missing (null). */
export interface CsvTable {
  readonly path: string;
  readonly header: readonly string[];
  readonly columns: readonly (readonly (string | null)[])[];
  /** 1-based file line of each data row (for messages). */
  readonly lines: readonly number[];
}

/** A problem with an input file: one line, `path[:line[:column]]: problem`. */
export class InputError extends Error {
  override readonly name = 'InputError';
}

export async function readCsvTable(path: string): Promise<CsvTable> {
  const records = await readCsvRecords(path, '', (message) => new InputError(message));
  const first = records[0];
  if (!first) throw new InputError(`${path}:1:1: empty file; expected a header row`);
  const header = first.record.map((h) => h.trim());
  const seen = new Map<string, number>();
  header.forEach((name, i) => {
    if (name === '') throw new InputError(`${path}:${first.info.lines}:${i + 1}: empty column name`);
    if (seen.has(name)) throw new InputError(`${path}:${first.info.lines}:${i + 1}: duplicate column ${JSON.stringify(name)}`);
    seen.set(name, i);
  });
  const body = records.slice(1);
  if (body.length === 0) throw new InputError(`${path}:${first.info.lines + 1}:1: no data rows after the header`);
  const columns = header.map((_, c) => body.map(({ record }) => (record[c]!.trim() === '' ? null : record[c]!.trim())));
  return { path, header, columns, lines: body.map((r) => r.info.lines) };
}
