/**
 * Metric-update micro-benchmark (npm run bench -- --only metrics [--quick]): what one histogram
 * observation and one counter increment cost, ours (src/telemetry/metric-primitives.ts) against
 * prom-client's Histogram and Counter, with the labels of ml_prediction_duration_seconds (the seed
 * buckets) and ml_predictions_total:
 *
 *  - ours, bound: a series looked up once (`family.labels(...)`), then `observe(v)` / `inc()`: what
 *    the request path does (telemetry/prediction-telemetry.ts);
 *  - ours, looked up per call: `family.labels(...).observe(v)`;
 *  - prom-client: `observe({ model_name, model_version }, v)` / `inc({ ... })`, labels as an object;
 *  - prom-client, bound child: `labels(...)` once, then `observe(v)` / `inc()` (it still validates
 *    and hashes the label set on every call).
 *
 * Every variant updates its own metric with the same sequence of values, in its own loop function
 * (one monomorphic call site each, as on the request path). Two unmeasured runs of each first (JIT),
 * then runs interleaved in alternating order; time per operation = run time ÷ operations, median
 * over runs. Afterwards the rendered samples of every variant (_bucket, _sum, _count; the counter's
 * value) must be identical and match the number of updates made.
 *
 * Then the fleet drift bins (src/drift/fleet-bins.ts): what counting one scored row in the bins of
 * every feature of the embedded model adds on the request path (BinCounts.append, 12 features,
 * the rows of its reference.csv encoded as /predict encodes them), one row per call (POST /predict)
 * and 100 rows per call (a batch), beside the drift window's append that runs in the same place.
 * Afterwards every feature's bin counts must add up to the rows appended.
 *
 * Then prediction ids (src/feedback/prediction-id.ts): what issuing the `prediction_id` of a
 * scored row costs on the request path, `issue()` once per row (POST /predict) and `issueAll()` for
 * 100 rows per call (a batch: one cipher call for all tags), beside an HMAC-SHA256 tag of the same
 * block (createHmac per id, truncated to 16 bytes), the usual way to sign such a token. Afterwards
 * the last ids of each variant must verify and be distinct.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Counter, Histogram } from 'prom-client';
import { createBinCounts, referenceBins, type BinCounts } from '../src/drift/fleet-bins.js';
import { modelReference } from '../src/drift/model-drift.js';
import { createDriftWindow, type DriftWindow } from '../src/drift/window.js';
import { createPredictionIdCodec, modelIdOf, PREDICTION_ID_PREFIX, type PredictionIdCodec } from '../src/feedback/prediction-id.js';
import { PACKAGED_MODELS_DIR } from '../src/config/index.js';
import { compileFeatureSchema } from '../src/model/feature-schema.js';
import { encodeReference, loadReferenceData } from '../src/model/reference-data.js';
import { readSchemaFile } from '../src/model/schema-file.js';
import { CounterFamily, HistogramFamily, type CounterSeries, type HistogramSeries } from '../src/telemetry/metric-primitives.js';
import { CAN_PIN, median } from './lib.js';
import { table } from './telemetry-measure.js';

export interface MetricsBenchOptions {
  readonly quick: boolean;
  /** Updates per measured run of each variant. */
  readonly operations: number;
  /** Measured runs of each variant. */
  readonly runs: number;
}

const root = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
const WARM_UP_RUNS = 2;
/** The seed buckets of ml_prediction_duration_seconds (src/telemetry/metrics.ts). */
const BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0];
const MODEL = 'fraud-detection';
const VERSION = 'v1.0';
const VALUES = 4096; // a power of two: the loops index with i & MASK
const MASK = VALUES - 1;

/** Seeded (mulberry32), log-uniform over 0.1 ms … 10 s: every bucket, +Inf included, is hit. */
function durations(seed: number): Float64Array {
  let a = seed >>> 0;
  const out = new Float64Array(VALUES);
  for (let i = 0; i < VALUES; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    out[i] = 1e-4 * 10 ** (5 * u);
  }
  return out;
}

// One loop per variant, so that each call site sees one receiver type.
function observeBound(series: HistogramSeries, values: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) series.observe(values[i & MASK]!);
}
function observeLookedUp(family: HistogramFamily, values: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) family.labels(MODEL, VERSION).observe(values[i & MASK]!);
}
function observePromClient(histogram: Histogram<'model_name' | 'model_version'>, values: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) histogram.observe({ model_name: MODEL, model_version: VERSION }, values[i & MASK]!);
}
function observePromClientChild(child: { observe(value: number): void }, values: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) child.observe(values[i & MASK]!);
}
function incBound(series: CounterSeries, n: number): void {
  for (let i = 0; i < n; i++) series.inc();
}
function incLookedUp(family: CounterFamily, n: number): void {
  for (let i = 0; i < n; i++) family.labels(MODEL, VERSION, 'success').inc();
}
function incPromClient(counter: Counter<'model_name' | 'model_version' | 'status'>, n: number): void {
  for (let i = 0; i < n; i++) counter.inc({ model_name: MODEL, model_version: VERSION, status: 'success' });
}
function incPromClientChild(child: { inc(): void }, n: number): void {
  for (let i = 0; i < n; i++) child.inc();
}

interface Variant {
  readonly kind: 'histogram observe' | 'counter inc';
  readonly name: string;
  run(n: number): void;
  /** Rendered samples, as 'name{sorted labels}' -> value. */
  samples(): Promise<Map<string, number>>;
}

type Sample = { labels: Record<string, string | number>; sharedLabels?: Record<string, string>; value: number; metricName?: string };
function keyed(name: string, values: readonly Sample[]): Map<string, number> {
  return new Map(
    values.map((v) => {
      const labels = { ...v.labels, ...v.sharedLabels };
      const key = Object.keys(labels)
        .sort()
        .map((k) => `${k}="${labels[k]}"`)
        .join(',');
      return [`${v.metricName ?? name}{${key}}`, v.value];
    }),
  );
}

function variants(values: Float64Array): Variant[] {
  const histogramName = 'ml_prediction_duration_seconds';
  const counterName = 'ml_predictions_total';
  const help = 'bench';
  const family = () => new HistogramFamily(histogramName, help, ['model_name', 'model_version'], BUCKETS);
  const counterFamily = () => new CounterFamily(counterName, help, ['model_name', 'model_version', 'status']);
  const ours = (f: HistogramFamily | CounterFamily) => async () => keyed(f.name, (await f.view('text').get()).values);
  // registers: []: no global registry (and no name clash between the variants).
  const promHistogram = () =>
    new Histogram({ name: histogramName, help, labelNames: ['model_name', 'model_version'] as const, buckets: BUCKETS, registers: [] });
  const promCounter = () =>
    new Counter({ name: counterName, help, labelNames: ['model_name', 'model_version', 'status'] as const, registers: [] });
  const prom = (name: string, m: Histogram<string> | Counter<string>) => async () => keyed(name, (await m.get()).values as Sample[]);

  const boundFamily = family();
  const bound = boundFamily.labels(MODEL, VERSION);
  const lookedUp = family();
  const ph = promHistogram();
  const phc = promHistogram();
  const phChild = phc.labels(MODEL, VERSION);
  const boundCounterFamily = counterFamily();
  const boundCounter = boundCounterFamily.labels(MODEL, VERSION, 'success');
  const lookedUpCounter = counterFamily();
  const pc = promCounter();
  const pcc = promCounter();
  const pcChild = pcc.labels(MODEL, VERSION, 'success');
  return [
    {
      kind: 'histogram observe',
      name: 'ours, series bound once (the request path)',
      run: (n) => observeBound(bound, values, n),
      samples: ours(boundFamily),
    },
    {
      kind: 'histogram observe',
      name: 'ours, labels(...) on every call',
      run: (n) => observeLookedUp(lookedUp, values, n),
      samples: ours(lookedUp),
    },
    {
      kind: 'histogram observe',
      name: 'prom-client observe({ labels }, v)',
      run: (n) => observePromClient(ph, values, n),
      samples: prom(histogramName, ph),
    },
    {
      kind: 'histogram observe',
      name: 'prom-client labels(...) once, observe(v)',
      run: (n) => observePromClientChild(phChild, values, n),
      samples: prom(histogramName, phc),
    },
    {
      kind: 'counter inc',
      name: 'ours, series bound once (the request path)',
      run: (n) => incBound(boundCounter, n),
      samples: ours(boundCounterFamily),
    },
    {
      kind: 'counter inc',
      name: 'ours, labels(...) on every call',
      run: (n) => incLookedUp(lookedUpCounter, n),
      samples: ours(lookedUpCounter),
    },
    { kind: 'counter inc', name: 'prom-client inc({ labels })', run: (n) => incPromClient(pc, n), samples: prom(counterName, pc) },
    {
      kind: 'counter inc',
      name: 'prom-client labels(...) once, inc()',
      run: (n) => incPromClientChild(pcChild, n),
      samples: prom(counterName, pcc),
    },
  ];
}

/** Rows of an encoded batch cycled through; a multiple of every batch size used. */
const BIN_ROWS = 4000;

interface EncodedRows {
  readonly width: number;
  readonly features: number;
  readonly input: Float32Array;
  readonly given: Uint8Array;
  readonly scores: Float32Array;
}

// One loop per variant, as above. `batch` rows per call, walking through the encoded rows.
function appendBins(bins: BinCounts, rows: EncodedRows, batch: number, n: number): void {
  for (let i = 0; i < n; i += batch) {
    const r = i % BIN_ROWS;
    bins.append(batch, rows.input.subarray(r * rows.width, (r + batch) * rows.width), rows.given.subarray(r * rows.features));
  }
}
function appendWindow(window: DriftWindow, rows: EncodedRows, batch: number, n: number): void {
  for (let i = 0; i < n; i += batch) {
    const r = i % BIN_ROWS;
    window.append(
      batch,
      rows.input.subarray(r * rows.width, (r + batch) * rows.width),
      rows.given.subarray(r * rows.features),
      rows.scores.subarray(r),
    );
  }
}

/** The embedded model's reference rows, encoded as the request path encodes them (every feature given). */
async function embeddedModel() {
  const dir = `${PACKAGED_MODELS_DIR}/fraud-detection/v1.0`;
  const schema = compileFeatureSchema(await readSchemaFile(`${dir}/schema.json`));
  const reference = await loadReferenceData(`${dir}/reference.csv`, schema);
  const encoded = encodeReference(reference, schema);
  const features = schema.features.length;
  const rows: EncodedRows = {
    width: schema.width,
    features,
    input: encoded.subarray(0, BIN_ROWS * schema.width),
    given: new Uint8Array(BIN_ROWS * features).fill(1),
    scores: new Float32Array(BIN_ROWS).fill(0.5),
  };
  const bins = referenceBins(
    modelReference({ modelName: 'fraud-detection', modelVersion: 'v1.0', layout: schema.layout, columns: reference.columns, scores: [] })
      .columns,
  );
  return { layout: schema.layout, bins, rows };
}

async function runBinsBench(n: number, runs: number): Promise<{ lines: string[]; pass: boolean; json: unknown }> {
  const { layout, bins, rows } = await embeddedModel();
  const variants = [1, 100].flatMap((batch) => {
    const counts = createBinCounts(layout, bins);
    const window = createDriftWindow(layout, 1000);
    return [
      {
        name: `fleet bins, ${batch} row${batch > 1 ? 's' : ''} per call`,
        batch,
        counts,
        run: (k: number) => appendBins(counts, rows, batch, k),
      },
      {
        name: `drift window (for comparison), ${batch} row${batch > 1 ? 's' : ''} per call`,
        batch,
        counts: undefined,
        run: (k: number) => appendWindow(window, rows, batch, k),
      },
    ];
  });
  for (let i = 0; i < WARM_UP_RUNS; i++) for (const v of variants) v.run(n);
  const nsPerRow = new Map(variants.map((v) => [v, [] as number[]]));
  for (let r = 0; r < runs; r++) {
    for (const v of r % 2 === 0 ? variants : [...variants].reverse()) {
      const t0 = process.hrtime.bigint();
      v.run(n);
      nsPerRow.get(v)!.push(Number(process.hrtime.bigint() - t0) / n);
    }
  }
  const appended = n * (WARM_UP_RUNS + runs);
  const sums = variants.flatMap((v) =>
    v.counts === undefined
      ? []
      : bins.map((feature, f) =>
          v.counts.counts.subarray(v.counts.starts[f]!, v.counts.starts[f]! + feature.bins.length).reduce((a, b) => a + b, 0),
        ),
  );
  const pass = sums.every((sum) => sum === appended);
  const lines = [
    `Fleet drift bins, ${bins.length} features (${bins.reduce((a, b) => a + b.bins.length, 0)} bins), ns per scored row, median (min–max) of ${runs} runs × ${n.toLocaleString('en')} rows:`,
    '',
    table(
      ['variant', 'ns/row'],
      variants.map((v) => {
        const times = nsPerRow.get(v)!;
        return [v.name, `${median(times).toFixed(1)} (${Math.min(...times).toFixed(1)}–${Math.max(...times).toFixed(1)})`];
      }),
    ),
    '',
    `Every feature's bin counts add up to the ${appended.toLocaleString('en')} rows appended: ${pass ? 'yes' : '**no**'}.`,
  ];
  const json = variants.map((v) => ({ variant: v.name, nsPerRow: nsPerRow.get(v)!, medianNsPerRow: median(nsPerRow.get(v)!) }));
  return { lines, pass, json };
}

/** Scores cycled through by the id variants; a multiple of every batch size used. */
const ID_ROWS = 4000;
const ID_BATCH = 100;

// One loop per variant, as above; each returns its last ids (so the work cannot be dropped, and is checked).
function issueEach(codec: PredictionIdCodec, modelId: number, scores: Float32Array, at: number, n: number): string[] {
  let last = '';
  for (let i = 0; i < n; i++) last = codec.issue(modelId, scores[i % ID_ROWS]!, at);
  return [last];
}
function issueBatches(codec: PredictionIdCodec, modelId: number, scores: Float32Array, at: number, n: number): string[] {
  let last: string[] = [];
  for (let i = 0; i < n; i += ID_BATCH) {
    const r = i % ID_ROWS;
    last = codec.issueAll(modelId, scores.subarray(r, r + ID_BATCH), at);
  }
  return last;
}
/** The same 37-byte layout with an HMAC-SHA256 tag cut to 16 bytes: a new Hmac object per id. */
function issueHmac(key: Buffer, modelId: number, scores: Float32Array, at: number, n: number): string[] {
  const bytes = Buffer.alloc(37);
  bytes.writeUInt8(1, 0);
  let counter = 0;
  let last = '';
  for (let i = 0; i < n; i++) {
    bytes.writeUInt32BE(modelId, 5);
    bytes.writeFloatBE(scores[i % ID_ROWS]!, 9);
    bytes.writeUInt32BE(at, 13);
    bytes.writeUInt32BE(counter++ >>> 0, 17);
    createHmac('sha256', key).update(bytes.subarray(5, 21)).digest().copy(bytes, 21, 0, 16);
    last = PREDICTION_ID_PREFIX + bytes.toString('base64url');
  }
  return [last];
}

async function runIdsBench(n: number, runs: number): Promise<{ lines: string[]; pass: boolean; json: unknown }> {
  const key = randomBytes(32);
  const codec = createPredictionIdCodec([key]);
  const modelId = modelIdOf(MODEL, VERSION);
  const at = Math.floor(Date.now() / 1000);
  const scores = Float32Array.from({ length: ID_ROWS }, (_, i) => (i * 0.618034) % 1);
  const variants: { name: string; run: (k: number) => string[]; verifies: boolean }[] = [
    { name: 'issue(), 1 row per call (POST /predict)', run: (k) => issueEach(codec, modelId, scores, at, k), verifies: true },
    { name: `issueAll(), ${ID_BATCH} rows per call (a batch)`, run: (k) => issueBatches(codec, modelId, scores, at, k), verifies: true },
    { name: 'HMAC-SHA256 per id (for comparison), 1 row per call', run: (k) => issueHmac(key, modelId, scores, at, k), verifies: false },
  ];
  for (let i = 0; i < WARM_UP_RUNS; i++) for (const v of variants) v.run(n);
  const nsPerRow = new Map(variants.map((v) => [v, [] as number[]]));
  const lastIds = new Map(variants.map((v) => [v, [] as string[]]));
  for (let r = 0; r < runs; r++) {
    for (const v of r % 2 === 0 ? variants : [...variants].reverse()) {
      const t0 = process.hrtime.bigint();
      const ids = v.run(n);
      nsPerRow.get(v)!.push(Number(process.hrtime.bigint() - t0) / n);
      lastIds.get(v)!.push(...ids);
    }
  }
  const issued = variants.filter((v) => v.verifies).flatMap((v) => lastIds.get(v)!);
  const verified = issued.filter((id) => {
    const result = codec.verify(id);
    return result.ok && result.id.modelId === modelId && result.id.issuedAt === at;
  }).length;
  const pass = verified === issued.length && new Set(issued).size === issued.length;
  const lines = [
    `Prediction ids, ns per scored row, median (min–max) of ${runs} runs × ${n.toLocaleString('en')} rows:`,
    '',
    table(
      ['variant', 'ns/row'],
      variants.map((v) => {
        const times = nsPerRow.get(v)!;
        return [v.name, `${median(times).toFixed(1)} (${Math.min(...times).toFixed(1)}–${Math.max(...times).toFixed(1)})`];
      }),
    ),
    '',
    `The last ${issued.length.toLocaleString('en')} ids issued verify with their model and time, all distinct: ${pass ? 'yes' : '**no**'}.`,
  ];
  const json = variants.map((v) => ({ variant: v.name, nsPerRow: nsPerRow.get(v)!, medianNsPerRow: median(nsPerRow.get(v)!) }));
  return { lines, pass, json };
}

export async function runMetricsBench(options: MetricsBenchOptions): Promise<void> {
  const { operations: n, runs } = options;
  const loadBefore = loadavg()[0]!.toFixed(2);
  const all = variants(durations(42));
  console.log(
    `metrics: ${all.length} variants, ${WARM_UP_RUNS} warm-up + ${runs} measured runs × ${n} operations each (load average ${loadBefore})…`,
  );
  for (let i = 0; i < WARM_UP_RUNS; i++) for (const v of all) v.run(n);
  const nsPerOp = new Map<Variant, number[]>(all.map((v) => [v, []]));
  for (let r = 0; r < runs; r++) {
    for (const v of r % 2 === 0 ? all : [...all].reverse()) {
      const t0 = process.hrtime.bigint();
      v.run(n);
      nsPerOp.get(v)!.push(Number(process.hrtime.bigint() - t0) / n);
    }
  }
  const loadAfter = loadavg()[0]!.toFixed(2);

  // Every variant of a kind rendered the same samples, and the count is what was done.
  const updates = n * (WARM_UP_RUNS + runs);
  const checks: { kind: string; pass: boolean; detail: string }[] = [];
  for (const kind of ['histogram observe', 'counter inc'] as const) {
    const [first, ...rest] = all.filter((v) => v.kind === kind);
    const reference = await first!.samples();
    const countKey = [...reference.keys()].find((k) =>
      k.startsWith(kind === 'counter inc' ? 'ml_predictions_total{' : 'ml_prediction_duration_seconds_count{'),
    )!;
    const mismatches: string[] = [];
    for (const v of rest) {
      const samples = await v.samples();
      const keys = new Set([...reference.keys(), ...samples.keys()]);
      for (const k of keys)
        if (reference.get(k) !== samples.get(k)) mismatches.push(`${v.name}: ${k} ${samples.get(k)} vs ${reference.get(k)}`);
    }
    const count = reference.get(countKey);
    checks.push({
      kind,
      pass: mismatches.length === 0 && count === updates,
      detail:
        `${reference.size} samples identical in all ${rest.length + 1} variants: ${mismatches.length === 0 ? 'yes' : `no (${mismatches.slice(0, 3).join('; ')})`}; ` +
        `${countKey} = ${count} (expected ${updates})`,
    });
  }

  const lines: string[] = [];
  if (options.quick) lines.push('**Quick smoke run**: too few operations to trust; use the full run.', '');
  lines.push(
    `${runs} runs × ${n.toLocaleString('en')} operations per variant after ${WARM_UP_RUNS} warm-up runs, interleaved; ns per operation, median (min–max); ` +
      `this process pinned to core 1: ${CAN_PIN}; load average ${loadBefore} → ${loadAfter}; node ${process.version}.`,
    '',
    table(
      ['operation', 'variant', 'ns/op', '÷ ours bound'],
      all.map((v) => {
        const times = nsPerOp.get(v)!;
        const base = median(nsPerOp.get(all.find((b) => b.kind === v.kind)!)!);
        return [
          v.kind,
          v.name,
          `${median(times).toFixed(1)} (${Math.min(...times).toFixed(1)}–${Math.max(...times).toFixed(1)})`,
          (median(times) / base).toFixed(1),
        ];
      }),
    ),
    '',
    ...checks.map((c) => `Same counts, ${c.kind}: ${c.pass ? 'yes' : '**no**'} (${c.detail}).`),
  );
  // Rows are a tenth as many as metric updates: one row does about 12 to 40 times the work.
  const binsBench = await runBinsBench(Math.max(BIN_ROWS, Math.round(n / 10 / BIN_ROWS) * BIN_ROWS), runs);
  lines.push('', ...binsBench.lines);
  const idsBench = await runIdsBench(Math.max(ID_ROWS, Math.round(n / 10 / ID_ROWS) * ID_ROWS), runs);
  lines.push('', ...idsBench.lines);
  const text = lines.join('\n');
  console.log(`\n${text}`);
  await mkdir(`${root}/bench/results`, { recursive: true });
  const stamp = new Date().toISOString().replaceAll(':', '-');
  const base = `${root}/bench/results/metrics-${options.quick ? 'quick-' : ''}${stamp}`;
  const json = {
    options,
    pinned: CAN_PIN,
    node: process.version,
    loadAverage: { before: loadBefore, after: loadAfter },
    results: all.map((v) => ({ kind: v.kind, variant: v.name, nsPerOp: nsPerOp.get(v)!, medianNsPerOp: median(nsPerOp.get(v)!) })),
    checks,
    fleetBins: { results: binsBench.json, countsAddUp: binsBench.pass },
    predictionIds: { results: idsBench.json, verified: idsBench.pass },
  };
  await writeFile(`${base}.json`, JSON.stringify(json, null, 2));
  await writeFile(`${base}.md`, `# Metric-update benchmark, ${new Date().toISOString()}\n\n${text}\n`);
  console.log(`results written to ${base}.json and .md`);
  if (checks.some((c) => !c.pass) || !binsBench.pass || !idsBench.pass) process.exitCode = 1;
}
