import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Agent, request } from 'node:http';
import { parse } from 'csv-parse/sync';

/**
 * A shift applied to one feature of every simulated row:
 *   amount:+50%   multiply by 1.5        hour:-3     add -3
 *   amount:*2     multiply by 2          merchant_category=electronics   set a category
 */
export type Shift =
  | { readonly feature: string; readonly kind: 'scale'; readonly factor: number }
  | { readonly feature: string; readonly kind: 'add'; readonly delta: number }
  | { readonly feature: string; readonly kind: 'set'; readonly value: string };

export function parseShift(spec: string): Shift {
  const set = /^([A-Za-z0-9_.-]+)=(.+)$/.exec(spec);
  if (set) return { feature: set[1]!, kind: 'set', value: set[2]! };
  const m = /^([A-Za-z0-9_.-]+):(?:([+-]?\d+(?:\.\d+)?)%|\*(\d+(?:\.\d+)?)|([+-]\d+(?:\.\d+)?))$/.exec(spec);
  if (!m) throw new Error(`bad --drift ${JSON.stringify(spec)}: use feature:+50%, feature:*2, feature:+10 or feature=category`);
  if (m[2] !== undefined) return { feature: m[1]!, kind: 'scale', factor: 1 + Number(m[2]) / 100 };
  if (m[3] !== undefined) return { feature: m[1]!, kind: 'scale', factor: Number(m[3]) };
  return { feature: m[1]!, kind: 'add', delta: Number(m[4]) };
}

export interface SimulationOptions {
  readonly url: string;
  readonly modelsDir: string;
  readonly modelName: string;
  readonly modelVersion: string;
  /** Requests per second (open loop: sends follow the clock, not the answers). */
  readonly rate: number;
  readonly durationSeconds: number;
  /** Rows per request: 1 uses POST /predict, more POST /predict/batch. */
  readonly batch: number;
  readonly shifts: readonly Shift[];
  readonly seed: number;
  /** Most requests in flight; beyond it a send is counted as skipped (the service is too slow). */
  readonly maxInFlight?: number;
  readonly signal?: AbortSignal;
}

export interface SimulationResult {
  readonly sent: number;
  readonly rows: number;
  readonly statuses: Record<string, number>;
  readonly skipped: number;
  readonly seconds: number;
}

type Row = Record<string, number | string>;

/** The model's reference rows: realistic traffic, since that is what the model was trained on. */
export async function loadReferenceRows(modelsDir: string, name: string, version: string): Promise<Row[]> {
  const dir = join(modelsDir, name, version);
  const schema = JSON.parse(await readFile(join(dir, 'schema.json'), 'utf8')) as { features: { name: string; type: string }[] };
  const numeric = new Set(schema.features.filter((f) => f.type === 'numeric').map((f) => f.name));
  const records = parse(await readFile(join(dir, 'reference.csv'), 'utf8'), { columns: true, skip_empty_lines: true }) as Record<
    string,
    string
  >[];
  return records.map((record) => {
    const row: Row = {};
    for (const [key, cell] of Object.entries(record)) {
      if (cell === '') continue;
      row[key] = numeric.has(key) ? Number(cell) : cell;
    }
    return row;
  });
}

export function applyShifts(row: Row, shifts: readonly Shift[]): Row {
  if (shifts.length === 0) return row;
  const out = { ...row };
  for (const shift of shifts) {
    const value = out[shift.feature];
    if (shift.kind === 'set') out[shift.feature] = shift.value;
    else if (typeof value === 'number') out[shift.feature] = shift.kind === 'scale' ? value * shift.factor : value + shift.delta;
  }
  return out;
}

/** mulberry32: a small seeded generator, so a simulation can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function runSimulation(options: SimulationOptions): Promise<SimulationResult> {
  const rows = await loadReferenceRows(options.modelsDir, options.modelName, options.modelVersion);
  const known = new Set(Object.keys(rows[0] ?? {}));
  for (const shift of options.shifts)
    if (!known.has(shift.feature)) throw new Error(`--drift names ${shift.feature}, not a feature of the model`);
  const next = random(options.seed);
  const pick = () => applyShifts(rows[Math.floor(next() * rows.length)]!, options.shifts);
  const target = new URL(options.batch > 1 ? '/predict/batch' : '/predict', options.url);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const maxInFlight = options.maxInFlight ?? 256;
  const statuses: Record<string, number> = {};
  let sent = 0;
  let sentRows = 0;
  let skipped = 0;
  let inFlight = 0;
  const inFlightDone: Promise<void>[] = [];

  const send = () => {
    const body =
      options.batch > 1
        ? { instances: Array.from({ length: options.batch }, pick), model_name: options.modelName, model_version: options.modelVersion }
        : { features: pick(), model_name: options.modelName, model_version: options.modelVersion };
    const payload = JSON.stringify(body);
    inFlight++;
    sent++;
    sentRows += options.batch;
    return new Promise<void>((resolve) => {
      const req = request(
        target,
        { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
        (res) => {
          res.resume();
          res.on('end', () => {
            statuses[String(res.statusCode)] = (statuses[String(res.statusCode)] ?? 0) + 1;
            inFlight--;
            resolve();
          });
        },
      );
      req.on('error', (err: NodeJS.ErrnoException) => {
        statuses[err.code ?? 'error'] = (statuses[err.code ?? 'error'] ?? 0) + 1;
        inFlight--;
        resolve();
      });
      req.end(payload);
    });
  };

  const started = performance.now();
  const total = Math.round(options.rate * options.durationSeconds);
  const intervalMs = 1000 / options.rate;
  // Open loop: request i is due at started + i * interval; a late timer sends every due request.
  for (let i = 0; i < total && !options.signal?.aborted;) {
    const due = started + i * intervalMs;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, Math.min(wait, 100)));
    while (i < total && started + i * intervalMs <= performance.now()) {
      if (inFlight >= maxInFlight) skipped++;
      else inFlightDone.push(send());
      i++;
    }
  }
  await Promise.all(inFlightDone);
  agent.destroy();
  return { sent, rows: sentRows, statuses, skipped, seconds: (performance.now() - started) / 1000 };
}
