import { evaluateDrift, prepareReference, type Column, type DriftMethod, type DriftReport } from '../drift/index.js';
import { HELP_OPTION, parseCommandLine, UsageError } from './command-line.js';
import { InputError, readCsvTable, type CsvTable } from './csv-table.js';

export const DRIFT_USAGE = `usage: ml-service drift --reference REF.csv --current CUR.csv [--method robust|evidently]
                        [--categorical col1,col2] [--min-rows N] [--format json|table]
       ml-service drift --help

Compares every column of two CSV files with the same tests as the service's drift monitor.
Columns whose values all parse as numbers are numerical unless named in --categorical; others are
categorical; empty cells are missing. Exit 0 on success, 2 on bad input.`;

// Plain decimals, as CSV tools write them; "nan"/"inf" are missing values, as pandas reads them.
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NON_FINITE = /^[+-]?(?:nan|inf|infinity)$/i;

export interface DriftCommandResult {
  /** null when `--help` asked for the usage instead. */
  readonly report: DriftReport | null;
  readonly output: string;
}

const HELP = 'ml-service drift --help';

/** Parse argv, read both files, compare; throws InputError (exit 2) on any bad input. */
export async function runDriftCommand(argv: readonly string[]): Promise<DriftCommandResult> {
  let values;
  try {
    ({ values } = parseCommandLine(
      {
        args: [...argv],
        options: {
          ...HELP_OPTION,
          reference: { type: 'string' },
          current: { type: 'string' },
          method: { type: 'string', default: 'robust' },
          categorical: { type: 'string', default: '' },
          'min-rows': { type: 'string', default: '1' },
          format: { type: 'string', default: 'json' },
        },
        strict: true,
        allowPositionals: false,
      },
      HELP,
    ));
  } catch (err) {
    if (err instanceof UsageError) throw new InputError(err.message);
    throw err;
  }
  if (values.help) return { report: null, output: `${DRIFT_USAGE}\n` };
  if (!values.reference || !values.current) throw new InputError(`--reference and --current are required (see ${HELP})`);
  if (values.method !== 'robust' && values.method !== 'evidently')
    throw new InputError(`--method must be robust or evidently, got ${JSON.stringify(values.method)}`);
  if (values.format !== 'json' && values.format !== 'table')
    throw new InputError(`--format must be json or table, got ${JSON.stringify(values.format)}`);
  const minRows = Number(values['min-rows']);
  if (!Number.isInteger(minRows) || minRows < 1)
    throw new InputError(`--min-rows must be a positive integer, got ${JSON.stringify(values['min-rows'])}`);
  const method = values.method as DriftMethod;

  const [reference, current] = await Promise.all([readCsvTable(values.reference), readCsvTable(values.current)]);
  const categorical = new Set(
    values.categorical
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
  for (const name of categorical) {
    if (!reference.header.includes(name))
      throw new InputError(`--categorical names ${JSON.stringify(name)}, which is not a column of ${reference.path}`);
  }
  const { referenceColumns, currentColumns } = alignColumns(reference, current, categorical);

  const options = { method, minRows };
  const report = evaluateDrift(prepareReference(referenceColumns, options), currentColumns, options);
  return { report, output: values.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : formatTable(report) };
}

/** Same columns in both files (any order); a kind per column; categorical values coded over both files. */
export function alignColumns(reference: CsvTable, current: CsvTable, categorical: ReadonlySet<string>) {
  const missing = reference.header.filter((h) => !current.header.includes(h));
  if (missing.length > 0) throw new InputError(`${current.path}:1:1: lacks column(s) of the reference: ${missing.join(', ')}`);
  const extra = current.header.filter((h) => !reference.header.includes(h));
  if (extra.length > 0)
    throw new InputError(`${current.path}:1:${current.header.indexOf(extra[0]!) + 1}: column(s) not in the reference: ${extra.join(', ')}`);

  const referenceColumns: Column[] = [];
  const currentColumns: Column[] = [];
  reference.header.forEach((name, refIndex) => {
    const curIndex = current.header.indexOf(name);
    const ref = reference.columns[refIndex]!;
    const cur = current.columns[curIndex]!;
    const numeric = (v: string | null) => v === null || DECIMAL.test(v) || NON_FINITE.test(v);
    if (!categorical.has(name) && ref.every(numeric) && cur.every(numeric)) {
      const toNumber = (v: string | null) => (v === null || NON_FINITE.test(v) ? Number.NaN : Number(v));
      referenceColumns.push({ name, kind: 'numerical', values: Float64Array.from(ref, toNumber) });
      currentColumns.push({ name, kind: 'numerical', values: Float64Array.from(cur, toNumber) });
      return;
    }
    const categories = [...new Set([...ref, ...cur].filter((v): v is string => v !== null))].sort();
    const code = new Map(categories.map((c, i) => [c, i]));
    const toCode = (v: string | null) => (v === null ? Number.NaN : code.get(v)!);
    referenceColumns.push({ name, kind: 'categorical', values: Float64Array.from(ref, toCode), categories });
    currentColumns.push({ name, kind: 'categorical', values: Float64Array.from(cur, toCode), categories });
  });
  return { referenceColumns, currentColumns };
}

const fmt = (x: number | null | undefined) =>
  x === null || x === undefined ? '-' : Math.abs(x) >= 1e-3 || x === 0 ? x.toFixed(4) : x.toExponential(2);

function formatTable(report: DriftReport): string {
  const rows = Object.entries(report.columns).map(([name, c]) => [
    name,
    c.column_type,
    c.stattest,
    fmt(c.score),
    fmt(c.threshold),
    fmt(c.psi),
    c.status === 'ok' ? (c.drifted ? 'DRIFT' : 'ok') : c.status,
  ]);
  const header = ['column', 'type', 'stattest', 'score', 'threshold', 'psi', 'drift'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    `dataset drift: ${report.dataset_drift ? 'YES' : 'no'} (${report.drifted_columns.length} of ${report.number_of_columns} columns drifted, share ${fmt(report.share_of_drifted_columns)}; method ${report.method})`,
    '',
  ].join('\n');
}
