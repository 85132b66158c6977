import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Agent, request } from 'node:http';
import { parse } from 'csv-parse/sync';
import {
  createLabelPlanner,
  createLabelSender,
  trueProbability,
  type LabelOptions,
  type LabelPlan,
  type LabelRecord,
  type LabelStats,
} from './labels.js';
import { seededRandom } from './seeded-random.js';

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
  /** Stops the traffic, and the wait for pending labels. */
  readonly signal?: AbortSignal;
  /** Send ground truth for the predictions (POST /feedback/batch with each prediction_id). */
  readonly labels?: LabelOptions;
  /** Called with every answered feedback request: the labels it carried and its status. */
  readonly onLabels?: (labels: readonly LabelRecord[], status: string) => void;
}

export interface SimulationResult {
  readonly sent: number;
  readonly rows: number;
  readonly statuses: Record<string, number>;
  readonly skipped: number;
  readonly seconds: number;
  /** With `labels`: what became of them. */
  readonly labels?: LabelStats;
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

interface PredictionAnswer {
  readonly prediction?: number;
  readonly prediction_id?: string;
  readonly predictions?: readonly { readonly prediction?: number; readonly prediction_id?: string }[];
}

export async function runSimulation(options: SimulationOptions): Promise<SimulationResult> {
  const rows = await loadReferenceRows(options.modelsDir, options.modelName, options.modelVersion);
  const known = new Set(Object.keys(rows[0] ?? {}));
  for (const shift of options.shifts)
    if (!known.has(shift.feature)) throw new Error(`--drift names ${shift.feature}, not a feature of the model`);
  const next = seededRandom(options.seed);
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

  const labelling = options.labels;
  let plan: ((row: Record<string, number | string>) => LabelPlan) | undefined;
  if (labelling) {
    // Fail before sending anything if the generating process cannot label these rows.
    if (rows[0]) trueProbability(applyShifts(rows[0], options.shifts), labelling.conceptDrift);
    plan = createLabelPlanner(labelling, options.seed);
  }
  const labels =
    labelling &&
    createLabelSender(labelling.feedbackUrl ?? options.url, {
      queueLimit: labelling.queueLimit ?? 100_000,
      batchSize: labelling.batchSize ?? 100,
      ...(options.onLabels && { onLabels: options.onLabels }),
    });

  /** Queue the labels of an answered request: its rows' plans joined with the ids it returned. */
  const queueLabels = (plans: readonly LabelPlan[], body: string, startedAt: number) => {
    let answer: PredictionAnswer;
    try {
      answer = JSON.parse(body) as PredictionAnswer;
    } catch {
      return;
    }
    const predictions = answer.predictions ?? [answer];
    plans.forEach((p, r) => {
      const prediction = predictions[r];
      if (p === undefined || typeof prediction?.prediction_id !== 'string' || typeof prediction.prediction !== 'number') return;
      labels!.add({
        predictionId: prediction.prediction_id,
        positive: p.positive,
        score: prediction.prediction,
        probability: p.probability,
        delaySeconds: p.delaySeconds,
        dueAt: startedAt + p.delaySeconds * 1000,
      });
    });
  };

  const send = () => {
    const instances = Array.from({ length: options.batch }, pick);
    const plans = plan ? instances.map(plan) : [];
    const body =
      options.batch > 1
        ? { instances, model_name: options.modelName, model_version: options.modelVersion }
        : { features: instances[0], model_name: options.modelName, model_version: options.modelVersion };
    const payload = JSON.stringify(body);
    const startedAt = performance.now();
    inFlight++;
    sent++;
    sentRows += options.batch;
    return new Promise<void>((resolve) => {
      const req = request(
        target,
        { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
        (res) => {
          // The answer is read only when its ids are needed.
          const wanted = res.statusCode === 200 && plans.some((p) => p !== undefined);
          const chunks: Buffer[] = [];
          if (wanted) res.on('data', (chunk: Buffer) => chunks.push(chunk));
          else res.resume();
          res.on('end', () => {
            statuses[String(res.statusCode)] = (statuses[String(res.statusCode)] ?? 0) + 1;
            if (wanted) queueLabels(plans, Buffer.concat(chunks).toString(), startedAt);
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
  if (labels) {
    await labels.drain(options.signal);
    labels.close();
  }
  return {
    sent,
    rows: sentRows,
    statuses,
    skipped,
    seconds: (performance.now() - started) / 1000,
    ...(labels && { labels: labels.stats }),
  };
}
