/**
 * The drift power study: fresh windows from the generating process, evaluated by every method
 * against the model's own reference, as the service would (numbers rounded to float32 on both
 * sides, missing values NaN). Each (scenario, window size) has its own seeded stream, and every
 * method sees the same windows, so the study is deterministic and the methods are compared on
 * paired data. The reference is the committed reference.csv (5,000 rows): the rates are
 * conditional on it, as the live service's are.
 */
import { readFileSync } from 'node:fs';
import { evaluateDrift, prepareReference, type Column, type DriftMethod, type DriftReport } from '../../src/drift/index.js';
import { createRandom, type Random } from '../train/random.js';
import { generateTransaction } from '../train/synthetic-transactions.js';
import type { Row, Scenario } from './scenarios.js';

export interface FeatureSpec {
  readonly name: string;
  readonly type: 'numeric' | 'categorical';
  readonly categories?: readonly string[];
}

export interface Reference {
  readonly features: readonly FeatureSpec[];
  readonly columns: readonly Column[];
}

/** The model directory's schema features and reference.csv (no quoting in it), float32-rounded as modelReference does. */
export function loadReference(modelDir: URL): Reference {
  const schema = JSON.parse(readFileSync(new URL('schema.json', modelDir), 'utf8')) as { features: FeatureSpec[] };
  const lines = readFileSync(new URL('reference.csv', modelDir), 'utf8').trim().split('\n');
  const header = lines[0]!.split(',');
  const rows = lines.slice(1).map((l) => l.split(','));
  const columns = schema.features.map((f): Column => {
    const k = header.indexOf(f.name);
    if (k < 0) throw new Error(`reference.csv has no column ${f.name}`);
    if (f.type === 'numeric') return { name: f.name, kind: 'numerical', values: Float64Array.from(rows, (r) => toFloat32(r[k]!)) };
    const categories = f.categories ?? [];
    return { name: f.name, kind: 'categorical', categories, values: Float64Array.from(rows, (r) => codeOf(categories, r[k]!)) };
  });
  return { features: schema.features, columns };
}

const toFloat32 = (cell: string) => (cell === '' ? Number.NaN : Math.fround(Number(cell)));
const codeOf = (categories: readonly string[], value: string) => {
  const code = categories.indexOf(value);
  return code < 0 ? Number.NaN : code;
};

/** `size` fresh rows with the scenario's shift, as the drift window would hold them. */
export function generateWindow(features: readonly FeatureSpec[], scenario: Scenario, size: number, random: Random): Column[] {
  const values = features.map(() => new Float64Array(size));
  for (let r = 0; r < size; r++) {
    const row = generateTransaction(random) as Row;
    scenario.shift(row, random);
    features.forEach((f, k) => {
      const v = row[f.name as keyof Row];
      values[k]![r] = f.type === 'numeric' ? Math.fround(v as number) : codeOf(f.categories ?? [], v as string);
    });
  }
  return features.map((f, k) =>
    f.type === 'numeric'
      ? { name: f.name, kind: 'numerical', values: values[k]! }
      : { name: f.name, kind: 'categorical', categories: f.categories ?? [], values: values[k]! },
  );
}

/** What one method decided on one window. */
export interface WindowOutcome {
  readonly dataset: boolean;
  readonly drifted: readonly string[];
  /** Tolerance method: features whose missing-share signal fired, and whose distance (KS/TV) or outlier test did. */
  readonly missing: readonly string[];
  readonly distance: readonly string[];
  readonly outlier: readonly string[];
  readonly ms: number;
}

export function outcomeOf(report: DriftReport, ms: number): WindowOutcome {
  const entries = Object.entries(report.columns);
  const byTest = (stattests: readonly string[]) =>
    entries.filter(([, c]) => c.tests.some((t) => stattests.includes(t.stattest) && t.drifted)).map(([name]) => name);
  return {
    dataset: report.dataset_drift,
    drifted: report.drifted_columns,
    missing: entries.filter(([, c]) => c.missing_test?.drifted === true).map(([name]) => name),
    distance: byTest(['ks_excess', 'tv_excess']),
    outlier: byTest(['outlier_share']),
    ms,
  };
}

export interface StudyCell {
  readonly scenario: Scenario;
  readonly size: number;
  readonly windows: number;
  readonly outcomes: Readonly<Record<string, readonly WindowOutcome[]>>;
}

export interface StudyOptions {
  readonly reference: Reference;
  readonly methods: readonly DriftMethod[];
  readonly sizes: readonly number[];
  readonly scenarios: readonly { readonly scenario: Scenario; readonly windows: number }[];
  readonly seed: number;
  /** Called after each (scenario, size): progress on stderr for long runs. */
  readonly onCell?: (cell: StudyCell) => void;
}

/** A seed per (scenario, window size): adding a scenario or a size never changes the others' windows. */
export function cellSeed(seed: number, scenarioIndex: number, size: number): number {
  return (seed * 1_000_003 + scenarioIndex * 7919 + size) >>> 0;
}

export function runStudy(options: StudyOptions): StudyCell[] {
  const prepared = new Map(options.methods.map((m) => [m, prepareReference(options.reference.columns, { method: m })]));
  const cells: StudyCell[] = [];
  options.scenarios.forEach(({ scenario, windows }, index) => {
    for (const size of options.sizes) {
      const random = createRandom(cellSeed(options.seed, index, size));
      const outcomes: Record<string, WindowOutcome[]> = Object.fromEntries(options.methods.map((m) => [m, []]));
      for (let w = 0; w < windows; w++) {
        const current = generateWindow(options.reference.features, scenario, size, random);
        for (const method of options.methods) {
          const started = performance.now();
          const report = evaluateDrift(prepared.get(method)!, current);
          outcomes[method]!.push(outcomeOf(report, performance.now() - started));
        }
      }
      const cell = { scenario, size, windows, outcomes };
      options.onCell?.(cell);
      cells.push(cell);
    }
  });
  return cells;
}

/** The rate a scenario is about: the named feature's signal (tolerance) or its drift flag (the others). */
export function targetHits(cell: StudyCell, method: string): number {
  const outcomes = cell.outcomes[method] ?? [];
  const feature = cell.scenario.feature;
  if (feature === undefined) return outcomes.filter((o) => o.dataset).length;
  if (method === 'tolerance' && cell.scenario.signal === 'missing') return outcomes.filter((o) => o.missing.includes(feature)).length;
  return outcomes.filter((o) => o.drifted.includes(feature)).length;
}
