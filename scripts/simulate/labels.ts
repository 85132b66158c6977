/**
 * Ground truth for simulated traffic: which predictions get a label, what the label is and when it
 * arrives, and the bounded queue of labels waiting for their time, sent in batches to
 * POST /feedback/batch.
 *
 * The labels come from the process that generated the model's training data
 * (scripts/train/synthetic-transactions.ts), which knows every row's true probability of fraud:
 * a label is a Bernoulli draw with that probability, for the row as it was sent (after any
 * --drift shift). With concept drift the probability is that of the drifted relationship: the
 * same inputs, a changed relationship to fraud.
 */
import { Agent, request } from 'node:http';
import {
  CATEGORIES,
  conceptDriftedFraudProbability,
  FEATURES,
  fraudProbability,
  type Transaction,
} from '../train/synthetic-transactions.js';
import { seededRandom } from './seeded-random.js';

/** How long after its prediction a label is sent. */
export type LabelDelay =
  | { readonly kind: 'fixed'; readonly seconds: number }
  /** Exponentially distributed with this mean: most labels soon, a long tail (chargebacks). */
  | { readonly kind: 'exponential'; readonly meanSeconds: number };

const UNIT_SECONDS: Readonly<Record<string, number>> = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 };

/**
 * `30` or `30s` (fixed), `exp:30` (exponential, mean 30 s); a number may carry the unit s, m, h
 * or d (`exp:2h`, `1d`).
 */
export function parseLabelDelay(spec: string): LabelDelay {
  const m = /^(exp:)?(\d+(?:\.\d+)?)([smhd]?)$/.exec(spec);
  if (!m) throw new Error(`bad --label-delay ${JSON.stringify(spec)}: use seconds (30, 2.5, 10m, 1d) or exp:MEAN (exp:30, exp:2h)`);
  const seconds = Number(m[2]) * UNIT_SECONDS[m[3]!]!;
  if (m[1]) {
    if (!(seconds > 0)) throw new Error(`bad --label-delay ${JSON.stringify(spec)}: an exponential delay needs a positive mean`);
    return { kind: 'exponential', meanSeconds: seconds };
  }
  return { kind: 'fixed', seconds };
}

export function describeLabelDelay(delay: LabelDelay): string {
  return delay.kind === 'fixed' ? `${delay.seconds} s` : `exponential, mean ${delay.meanSeconds} s`;
}

export interface LabelOptions {
  /** Share of predictions that ever get a label, in [0, 1]. */
  readonly share: number;
  readonly delay: LabelDelay;
  /** Labels from conceptDriftedFraudProbability instead of fraudProbability. */
  readonly conceptDrift: boolean;
  /** Where POST /feedback/batch goes (another replica, say); default: the predictions' URL. */
  readonly feedbackUrl?: string;
  /** Most labels waiting for their time; beyond it a label is dropped (and counted). Default 100,000. */
  readonly queueLimit?: number;
  /** Most labels per POST /feedback/batch (at most the service's MAX_BATCH_SIZE). Default 100. */
  readonly batchSize?: number;
}

/** One label as sent, with what the prediction returned: enough to compute the metrics exactly. */
export interface LabelRecord {
  readonly predictionId: string;
  readonly positive: boolean;
  /** The score the prediction returned. */
  readonly score: number;
  /** The true probability the label was drawn with. */
  readonly probability: number;
  readonly delaySeconds: number;
}

type Row = Readonly<Record<string, number | string>>;

const NUMERIC = FEATURES.filter((f) => f.type === 'numeric').map((f) => f.name);
const CATEGORICAL = FEATURES.filter((f) => f.type === 'categorical').map((f) => f.name) as ('merchant_category' | 'card_type')[];

/**
 * The row as the generating process's Transaction, or why it cannot be one: the process knows
 * only its own features and categories (a row of another model, a `--drift` to an unknown
 * category, a missing value has no true probability).
 */
export function asTransaction(row: Row): Transaction {
  for (const name of NUMERIC) {
    if (typeof row[name] !== 'number' || !Number.isFinite(row[name])) {
      throw new Error(`labels need the synthetic generator's features: ${name} is ${JSON.stringify(row[name])}, not a number`);
    }
  }
  for (const name of CATEGORICAL) {
    if (typeof row[name] !== 'string' || !CATEGORIES[name].includes(row[name])) {
      throw new Error(
        `labels need the synthetic generator's categories: ${name} is ${JSON.stringify(row[name])}, not one of ${CATEGORIES[name].join(', ')}`,
      );
    }
  }
  return row as unknown as Transaction;
}

/** The true P(fraud) of a row as sent: the generating process's, or its concept-drifted one. */
export function trueProbability(row: Row, conceptDrift: boolean): number {
  const t = asTransaction(row);
  return conceptDrift ? conceptDriftedFraudProbability(t) : fraudProbability(t);
}

/** What becomes of one sent row: no label, or this label after this delay. */
export type LabelPlan = { readonly positive: boolean; readonly probability: number; readonly delaySeconds: number } | undefined;

/**
 * Draws, per sent row in order, whether it gets a label, the label and its delay: three uniforms
 * per row whatever the outcome, from a stream of their own (the rows' picks are unchanged by
 * --labels). So the same seed gives the same labels, and a smaller --label-share labels a subset
 * of the rows a larger one labels, with the same labels and delays.
 */
export function createLabelPlanner(options: Pick<LabelOptions, 'share' | 'delay' | 'conceptDrift'>, seed: number): (row: Row) => LabelPlan {
  // A different stream from the rows' generator of the same seed (golden-ratio offset).
  const next = seededRandom((seed ^ 0x9e3779b9) >>> 0);
  return (row) => {
    const share = next();
    const label = next();
    const delay = next();
    if (share >= options.share) return undefined;
    const probability = trueProbability(row, options.conceptDrift);
    const delaySeconds = options.delay.kind === 'fixed' ? options.delay.seconds : -options.delay.meanSeconds * Math.log(1 - delay); // inverse CDF
    return { positive: label < probability, probability, delaySeconds };
  };
}

export interface PendingLabel extends LabelRecord {
  /** performance.now() at which it is due. */
  readonly dueAt: number;
}

/** Labels waiting for their time: a binary min-heap on dueAt, holding at most `limit`. */
export class PendingLabels {
  readonly #heap: PendingLabel[] = [];
  constructor(readonly limit: number) {}

  get size(): number {
    return this.#heap.length;
  }

  /** The earliest due time, or undefined when empty. */
  get nextDue(): number | undefined {
    return this.#heap[0]?.dueAt;
  }

  /** Adds `label`; false (nothing added) when the queue is full. */
  push(label: PendingLabel): boolean {
    const heap = this.#heap;
    if (heap.length >= this.limit) return false;
    heap.push(label);
    for (let i = heap.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.dueAt <= heap[i]!.dueAt) break;
      [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
      i = parent;
    }
    return true;
  }

  /** Removes and returns, earliest first, up to `max` labels due at `now`. */
  popDue(now: number, max: number): PendingLabel[] {
    const out: PendingLabel[] = [];
    const heap = this.#heap;
    while (out.length < max && heap.length > 0 && heap[0]!.dueAt <= now) {
      out.push(heap[0]!);
      const last = heap.pop()!;
      if (heap.length === 0) break;
      heap[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let min = i;
        if (l < heap.length && heap[l]!.dueAt < heap[min]!.dueAt) min = l;
        if (r < heap.length && heap[r]!.dueAt < heap[min]!.dueAt) min = r;
        if (min === i) break;
        [heap[min], heap[i]] = [heap[i]!, heap[min]!];
        i = min;
      }
    }
    return out;
  }
}

export interface LabelStats {
  /** Labels put in the queue (their prediction succeeded and the row was drawn for a label). */
  queued: number;
  /** Labels refused by a full queue. */
  dropped: number;
  /** Labels posted, and those the service answered 200 for (a batch is all or nothing). */
  sent: number;
  accepted: number;
  /** Accepted labels that were positive. */
  positives: number;
  /** Labels still queued or in flight when the run was stopped. */
  unsent: number;
  /** POST /feedback/batch responses by status (or network error code). */
  statuses: Record<string, number>;
}

export interface LabelSender {
  /** Queue a label; it is sent once due, with others due by then. */
  add(label: PendingLabel): void;
  /** Resolves when every queued label has been answered, or at once once `signal` aborts. */
  drain(signal?: AbortSignal): Promise<void>;
  readonly stats: LabelStats;
  readonly pending: number;
  close(): void;
}

/**
 * Labels due within this long of each other go in one request: a batch is far cheaper per label
 * than a request each, and a tenth of a second is nothing beside label delays.
 */
const LINGER_MS = 100;
/** Feedback requests in flight at once; due labels wait in the queue beyond it. */
const MAX_FEEDBACK_IN_FLIGHT = 4;

export function createLabelSender(
  feedbackUrl: string,
  options: {
    readonly queueLimit: number;
    readonly batchSize: number;
    readonly onLabels?: (labels: readonly LabelRecord[], status: string) => void;
  },
): LabelSender {
  const queue = new PendingLabels(options.queueLimit);
  const target = new URL('/feedback/batch', feedbackUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: MAX_FEEDBACK_IN_FLIGHT });
  const stats: LabelStats = { queued: 0, dropped: 0, sent: 0, accepted: 0, positives: 0, unsent: 0, statuses: {} };
  let inFlight = 0;
  let inFlightLabels = 0;
  let timer: NodeJS.Timeout | undefined;
  let timerAt = Infinity;
  let idle: (() => void) | undefined;

  const post = (labels: PendingLabel[]) => {
    const payload = JSON.stringify({ feedback: labels.map((l) => ({ prediction_id: l.predictionId, label: l.positive ? 1 : 0 })) });
    inFlight++;
    inFlightLabels += labels.length;
    stats.sent += labels.length;
    const done = (status: string) => {
      stats.statuses[status] = (stats.statuses[status] ?? 0) + 1;
      if (status === '200') {
        stats.accepted += labels.length;
        for (const l of labels) if (l.positive) stats.positives++;
      }
      inFlight--;
      inFlightLabels -= labels.length;
      options.onLabels?.(labels, status);
      pump();
    };
    const req = request(
      target,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
      (res) => {
        res.resume();
        res.on('end', () => done(String(res.statusCode)));
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => done(err.code ?? 'error'));
    req.end(payload);
  };

  const schedule = (at: number) => {
    if (timer !== undefined && timerAt <= at) return;
    if (timer !== undefined) clearTimeout(timer);
    timerAt = at;
    timer = setTimeout(
      () => {
        timer = undefined;
        timerAt = Infinity;
        pump();
      },
      Math.max(0, at - performance.now()),
    );
  };

  function pump() {
    const now = performance.now();
    while (inFlight < MAX_FEEDBACK_IN_FLIGHT) {
      const due = queue.popDue(now, options.batchSize);
      if (due.length === 0) break;
      post(due);
    }
    const next = queue.nextDue;
    // Full: a request's answer pumps again. Otherwise wake when the next label is due, and let
    // the others due by then join it.
    if (next !== undefined && inFlight < MAX_FEEDBACK_IN_FLIGHT) schedule(Math.max(next, now) + LINGER_MS);
    if (next === undefined && inFlight === 0) idle?.();
  }

  return {
    add(label) {
      if (!queue.push(label)) {
        stats.dropped++;
        return;
      }
      stats.queued++;
      if (inFlight < MAX_FEEDBACK_IN_FLIGHT) schedule(Math.max(label.dueAt, performance.now()) + LINGER_MS);
    },
    drain(signal) {
      return new Promise<void>((resolve) => {
        const finish = () => {
          idle = undefined;
          stats.unsent = queue.size + inFlightLabels;
          signal?.removeEventListener('abort', finish);
          resolve();
        };
        if (signal?.aborted || (queue.size === 0 && inFlight === 0)) return finish();
        idle = finish;
        signal?.addEventListener('abort', finish, { once: true });
      });
    },
    stats,
    get pending() {
      return queue.size + inFlightLabels;
    },
    close() {
      if (timer !== undefined) clearTimeout(timer);
      agent.destroy();
    },
  };
}
