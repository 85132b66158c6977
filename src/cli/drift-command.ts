import { writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  binPsi,
  countBins,
  evaluateDrift,
  prepareReference,
  referenceBins,
  type Column,
  type DriftMethod,
  type DriftReport,
  type FeatureBins,
} from '../drift/index.js';
import { modelReference } from '../drift/model-drift.js';
import { StartupError } from '../errors.js';
// Not model/index.js: the CLI need not load onnxruntime.
import { compileFeatureSchema, FLOAT32_MAX, type FeatureSchema } from '../model/feature-schema.js';
import { loadReferenceData } from '../model/reference-data.js';
import { readSchemaFile } from '../model/schema-file.js';
import { datasetReportInput, type ReportInput } from '../report/report-input.js';
import { HELP_OPTION, parseCommandLine, UsageError } from './command-line.js';
import { InputError, readCsvTable, type CsvTable } from './csv-table.js';

export const DRIFT_USAGE = `usage: ml-service drift --reference REF.csv --current CUR.csv [--method tolerance|robust|evidently]
                        [--categorical col1,col2] [--min-rows N] [--format json|table|html] [--output FILE]
       ml-service drift --model-dir models/NAME/VERSION --current CUR.csv [--method ...] [--min-rows N] [--format ...]
                        [--output FILE]
       ml-service drift --help

Compares every column of two CSV files with the same tests as the service's drift monitor.
Columns whose values all parse as numbers are numerical unless named in --categorical; others are
categorical; empty cells are missing. Exit 0 on success, 2 on bad input.

--model-dir takes the reference (reference.csv) and the column kinds and categories (schema.json)
from a model directory and reads the current file as the service reads requests (numbers rounded
to float32); the output adds "bins": per feature, the fleet drift bins the service exports
(ml_drift_bin_rows_total), the current counts and shares in them, the reference's shares, and the
PSI computed from them, as the fleet recording rules compute it.

--format html writes one self-contained HTML page (inline SVG charts, no script, nothing fetched
when opened): the summary, then every column, most severe first, with its reference and current
distributions, its tests and why they were chosen. --output FILE writes the output to FILE instead
of stdout.`;

// Plain decimals, as CSV tools write them; "nan"/"inf" are missing values, as pandas reads them.
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NON_FINITE = /^[+-]?(?:nan|inf|infinity)$/i;

export interface DriftCommandResult {
  /** null when `--help` asked for the usage instead. */
  readonly report: DriftReport | null;
  /** For stdout: the formatted report, or nothing when --output wrote it to a file. */
  readonly output: string;
  /** One line for stderr (the file --output wrote). */
  readonly notice?: string;
}

type Format = 'json' | 'table' | 'html';

/** What the HTML report needs besides the DriftReport: the distributions and where the data came from. */
interface HtmlContext {
  readonly title: string;
  readonly data: ReportInput['data'];
  readonly reference: readonly Column[];
  readonly current: readonly Column[];
}

/** The HTML page; Vega (a few hundred milliseconds to load) is imported only when asked for. */
async function htmlReport(report: DriftReport, context: HtmlContext): Promise<string> {
  const { renderReport } = await import('../report/render-report.js');
  const { title, data } = context;
  return renderReport(
    datasetReportInput(report, { title, data, evaluatedAt: new Date().toISOString() }, context.reference, context.current),
  );
}

/** Write to --output, or hand the text back for stdout. */
async function emit(report: DriftReport, text: string, outputPath: string | undefined): Promise<DriftCommandResult> {
  if (outputPath === undefined) return { report, output: text };
  try {
    await writeFile(outputPath, text);
  } catch (err) {
    throw new InputError(`--output ${outputPath}: cannot write: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return { report, output: '', notice: `wrote ${outputPath} (${Buffer.byteLength(text)} bytes)` };
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
          method: { type: 'string', default: 'tolerance' },
          categorical: { type: 'string', default: '' },
          'min-rows': { type: 'string', default: '1' },
          format: { type: 'string', default: 'json' },
          output: { type: 'string' },
          'model-dir': { type: 'string' },
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
  const modelDir = values['model-dir'];
  if (modelDir !== undefined && (values.reference !== undefined || values.categorical !== ''))
    throw new InputError(
      `--model-dir takes the reference and the categorical columns from the model: drop --reference and --categorical (see ${HELP})`,
    );
  if (modelDir === undefined && (!values.reference || !values.current))
    throw new InputError(`--reference and --current are required (see ${HELP})`);
  if (!values.current) throw new InputError(`--current is required (see ${HELP})`);
  if (values.method !== 'tolerance' && values.method !== 'robust' && values.method !== 'evidently')
    throw new InputError(`--method must be tolerance, robust or evidently, got ${JSON.stringify(values.method)}`);
  if (values.format !== 'json' && values.format !== 'table' && values.format !== 'html')
    throw new InputError(`--format must be json, table or html, got ${JSON.stringify(values.format)}`);
  if (values.output === '') throw new InputError(`--output must name a file (see ${HELP})`);
  const minRows = Number(values['min-rows']);
  if (!Number.isInteger(minRows) || minRows < 1)
    throw new InputError(`--min-rows must be a positive integer, got ${JSON.stringify(values['min-rows'])}`);
  const method = values.method as DriftMethod;
  const options = { method, minRows };
  const format = values.format as Format;
  const outputPath = values.output;
  if (modelDir !== undefined) return modelDirDrift(modelDir, values.current, options, format, outputPath);

  const [reference, current] = await Promise.all([readCsvTable(values.reference!), readCsvTable(values.current)]);
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

  const report = evaluateDrift(prepareReference(referenceColumns, options), currentColumns, options);
  const text =
    format === 'html'
      ? await htmlReport(report, {
          title: `${basename(reference.path)} vs ${basename(current.path)}`,
          data: [
            { label: 'Reference', value: `${reference.path} (${reference.lines.length} rows)` },
            { label: 'Current', value: `${current.path} (${current.lines.length} rows)` },
            { label: 'Minimum rows per column', value: String(minRows) },
          ],
          reference: referenceColumns,
          current: currentColumns,
        })
      : format === 'json'
        ? `${JSON.stringify(report, null, 2)}\n`
        : formatTable(report);
  return emit(report, text, outputPath);
}

/** One feature's fleet bins with the current file's counts in them (the "bins" output of --model-dir). */
export interface FeatureBinsReport {
  readonly column_type: 'numerical' | 'categorical';
  /** Rows of the current file, and those with a value (not missing): the shares' denominators. */
  readonly rows: number;
  readonly values: number;
  readonly bins: readonly {
    readonly bin: string;
    /** Numeric value bins: the inclusive upper edge; null for the open last bin, missing and categories. */
    readonly upper_edge: number | null;
    readonly count: number;
    /** Value bins: count / values; missing: count / rows (null without a denominator). */
    readonly ratio: number | null;
    readonly reference_ratio: number;
  }[];
  /** PSI of the value bins against the reference with the robust zero fill; null without values. */
  readonly psi: number | null;
}

/**
 * --model-dir: the reference, the schema's kinds and categories, and the service's float32
 * rounding, so the report and the bins are what the service computes for the same rows.
 */
async function modelDirDrift(
  dir: string,
  currentPath: string,
  options: { method: DriftMethod; minRows: number },
  format: Format,
  outputPath: string | undefined,
): Promise<DriftCommandResult> {
  let schema: FeatureSchema;
  let referenceColumns: readonly Float64Array[];
  try {
    schema = compileFeatureSchema(await readSchemaFile(join(dir, 'schema.json')));
    referenceColumns = (await loadReferenceData(join(dir, 'reference.csv'), schema)).columns;
  } catch (err) {
    if (err instanceof StartupError) throw new InputError(err.message);
    throw err;
  }
  const current = await readCsvTable(currentPath);
  const model = modelReference({
    modelName: schema.file.name,
    modelVersion: schema.file.version,
    layout: schema.layout,
    columns: referenceColumns,
    scores: [],
  });
  const reference = model.columns;
  // The schema's per-feature tolerances (the tolerance method), as the service uses them.
  const withTolerances = { ...options, ...(model.tolerances !== undefined && { columnTolerances: model.tolerances }) };
  const currentColumns = schemaColumns(schema, current);
  // Values outside the schema's categories get codes after them, in both columns' category lists.
  const referenceAligned = reference.map((column, f) =>
    column.kind === 'categorical' ? { ...column, categories: currentColumns[f]!.categories ?? [] } : column,
  );
  const report = evaluateDrift(prepareReference(referenceAligned, withTolerances), currentColumns, withTolerances);
  const bins = referenceBins(reference);
  const binsReport = Object.fromEntries(bins.map((feature, f) => [feature.name, binsOf(feature, currentColumns[f]!.values)]));
  const text =
    format === 'html'
      ? await htmlReport(report, {
          title: `${schema.file.name}@${schema.file.version}`,
          data: [
            { label: 'Model', value: `${schema.file.name}@${schema.file.version} (${dir})` },
            { label: 'Reference', value: `${join(dir, 'reference.csv')} (${reference[0]?.values.length ?? 0} rows)` },
            { label: 'Current', value: `${current.path} (${current.lines.length} rows, read as the service reads requests)` },
            { label: 'Minimum rows per column', value: String(options.minRows) },
          ],
          reference: referenceAligned,
          current: currentColumns,
        })
      : format === 'json'
        ? `${JSON.stringify({ model_name: schema.file.name, model_version: schema.file.version, ...report, bins: binsReport }, null, 2)}\n`
        : formatTable(report) + formatBins(binsReport);
  return emit(report, text, outputPath);
}

/** The current file's columns in schema order, read as the service reads a request. */
function schemaColumns(schema: FeatureSchema, current: CsvTable): Column[] {
  const extra = current.header.filter((h) => schema.indexOf(h) === undefined);
  if (extra.length > 0)
    throw new InputError(
      `${current.path}:1:${current.header.indexOf(extra[0]!) + 1}: column(s) not in the model's schema: ${extra.join(', ')}`,
    );
  const absent = schema.names.filter((name) => !current.header.includes(name));
  if (absent.length > 0) throw new InputError(`${current.path}:1:1: lacks column(s) of the model's schema: ${absent.join(', ')}`);
  return schema.features.map((spec): Column => {
    const c = current.header.indexOf(spec.name);
    const cells = current.columns[c]!;
    if (spec.type === 'numeric') {
      const values = Float64Array.from(cells, (cell, r) => {
        if (cell === null || NON_FINITE.test(cell)) return Number.NaN;
        const value = Number(cell);
        if (!DECIMAL.test(cell) || Math.abs(value) > FLOAT32_MAX)
          throw new InputError(
            `${current.path}:${current.lines[r]}:${c + 1}: ${spec.name} must be a float32 number, got ${JSON.stringify(cell)}`,
          );
        // What the service sees: the model's input is float32.
        return Math.fround(value);
      });
      return { name: spec.name, kind: 'numerical', values };
    }
    const categories = [...spec.categories];
    const codes = new Map(categories.map((category, k) => [category, k]));
    const values = Float64Array.from(cells, (cell) => {
      if (cell === null) return Number.NaN;
      let code = codes.get(cell);
      if (code === undefined) {
        code = categories.push(cell) - 1;
        codes.set(cell, code);
      }
      return code;
    });
    return { name: spec.name, kind: 'categorical', values, categories };
  });
}

function binsOf(feature: FeatureBins, values: Float64Array): FeatureBinsReport {
  const counts = countBins(feature, values);
  const rows = values.length;
  const present = rows - counts[feature.missing]!;
  const psi = binPsi(feature, counts);
  return {
    column_type: feature.kind,
    rows,
    values: present,
    bins: feature.bins.map((bin, k) => {
      const denominator = k === feature.missing ? rows : present;
      return {
        bin,
        upper_edge: feature.kind === 'numerical' && k < feature.edges.length ? feature.edges[k]! : null,
        count: counts[k]!,
        ratio: denominator === 0 ? null : counts[k]! / denominator,
        reference_ratio: feature.referenceRatios[k]!,
      };
    }),
    psi: Number.isNaN(psi) ? null : psi,
  };
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

function formatBins(bins: Record<string, FeatureBinsReport>): string {
  const lines = ['fleet bins (ml_drift_bin_rows_total):', ''];
  for (const [name, feature] of Object.entries(bins)) {
    lines.push(`${name} (${feature.values} values of ${feature.rows} rows; psi ${fmt(feature.psi)})`);
    for (const b of feature.bins) {
      const edge = b.upper_edge === null ? '' : ` <= ${b.upper_edge}`;
      lines.push(
        `  ${`${b.bin}${edge}`.padEnd(28)} ${String(b.count).padStart(8)}  ${fmt(b.ratio).padStart(8)}  reference ${fmt(b.reference_ratio)}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

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
