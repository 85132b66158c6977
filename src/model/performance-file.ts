import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { StartupError } from '../errors.js';

/**
 * What ground-truth monitoring needs to know about a model: where it draws the line between
 * positive and negative, the score buckets its labelled predictions are counted in, and the
 * holdout figures (with alerting margins) that live performance is compared against. Read from
 * the optional `performance.json` of a model directory (written by scripts/train-model.ts for
 * the embedded model; format in models/README.md).
 */
export interface ModelPerformance {
  /** Predicted positive <=> score > decisionThreshold (scikit-learn's convention). */
  readonly decisionThreshold: number;
  /** Upper edges of the score buckets, ascending, last === 1; a score <= edge falls in that bucket. */
  readonly scoreBuckets: readonly number[];
  /** Holdout figures at decisionThreshold; absent when the model directory has no performance.json. */
  readonly reference?: ReferencePerformance;
  readonly alerting: PerformanceAlerting;
  /** Holdout reliability table (for the dashboard); absent when the file has none. */
  readonly calibration?: readonly CalibrationRow[];
}

export interface ReferencePerformance {
  readonly rows: number;
  readonly rocAuc: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly positiveRate: number;
  readonly predictedPositiveRate: number;
  readonly brier: number;
  readonly ece: number;
}

export interface PerformanceAlerting {
  /** Labels needed in a window before performance is compared with the reference. */
  readonly minLabels: number;
  /** Positive labels needed in a window, likewise (recall and AUC rest on the positives). */
  readonly minPositives: number;
  /** How far below the reference a metric may fall before the alert fires. */
  readonly margins: { readonly rocAuc: number; readonly precision: number; readonly recall: number; readonly f1: number };
}

export interface CalibrationRow {
  readonly bucketUpper: number;
  readonly rows: number;
  readonly meanScore: number;
  readonly positiveRate: number;
}

/** Most score buckets a model may declare: each one is a few series per model version. */
export const MAX_SCORE_BUCKETS = 40;

/**
 * Edges `points` logit-spaced values from `lowest` to `highest`, then 1; each rounded to two
 * significant digits of its distance to the nearer end (0.00047, 0.15, 0.9984), so that the
 * edges read well as metric labels. Logit spacing is as fine near 1 as near 0, so the buckets
 * still separate the scores if they shift upward.
 */
export function logitSpacedEdges(lowest: number, highest: number, points: number): number[] {
  const logit = (p: number) => Math.log(p / (1 - p));
  const from = logit(lowest);
  const step = (logit(highest) - from) / (points - 1);
  const edges: number[] = [];
  for (let k = 0; k < points; k++) {
    const p = 1 / (1 + Math.exp(-(from + k * step)));
    const tail = Number(Math.min(p, 1 - p).toPrecision(2));
    edges.push(p < 0.5 ? tail : Number((1 - tail).toPrecision(12)));
  }
  edges.push(1);
  return edges;
}

/**
 * Buckets for models without performance.json, and the embedded model's: 34 logit-spaced edges
 * from 3e-4 to 0.999, then 1 (35 buckets). The training script's study chose them: on the
 * embedded model's holdout the AUC from these buckets is within 0.001 of the exact AUC
 * (models/fraud-detection/v1.0/README.md, "Score buckets").
 */
export const DEFAULT_SCORE_BUCKETS: readonly number[] = Object.freeze(logitSpacedEdges(3e-4, 0.999, 34));

/** The alerting defaults the contract names when a model's file does not set them. */
const DEFAULT_ALERTING = {
  min_labels: 1000,
  min_positives: 30,
  margins: { roc_auc: 0.05, precision: 0.1, recall: 0.1, f1: 0.1 },
};

export function defaultPerformance(): ModelPerformance {
  return {
    decisionThreshold: 0.5,
    scoreBuckets: DEFAULT_SCORE_BUCKETS,
    alerting: toAlerting(DEFAULT_ALERTING),
  };
}

const probability = z.number().min(0).max(1);
const count = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const margin = z.number().min(0).max(1);

/** The `performance.json` beside a `model.onnx`. */
export const performanceFile = z.strictObject({
  format_version: z.literal(1),
  decision_threshold: z.number().min(0).lt(1),
  score_buckets: z
    .array(z.number().gt(0).max(1))
    .min(2)
    .max(MAX_SCORE_BUCKETS)
    .superRefine((edges, ctx) => {
      const bad = edges.findIndex((edge, i) => i > 0 && !(edge > edges[i - 1]!));
      if (bad !== -1) ctx.addIssue({ code: 'custom', path: [bad], message: 'edges must be strictly ascending' });
      if (edges.at(-1) !== 1) ctx.addIssue({ code: 'custom', path: [edges.length - 1], message: 'the last edge must be 1' });
    }),
  reference: z
    .strictObject({
      rows: count,
      roc_auc: probability,
      precision: probability,
      recall: probability,
      f1: probability,
      positive_rate: probability,
      predicted_positive_rate: probability,
      brier: probability,
      ece: probability,
    })
    .optional(),
  alerting: z
    .strictObject({
      min_labels: count,
      min_positives: count,
      margins: z.strictObject({ roc_auc: margin, precision: margin, recall: margin, f1: margin }),
    })
    .default(DEFAULT_ALERTING),
  calibration: z
    .array(
      z.strictObject({ bucket_upper: probability, rows: z.number().int().min(0), mean_score: probability, positive_rate: probability }),
    )
    .max(1000)
    .optional(),
});

export type PerformanceFile = z.infer<typeof performanceFile>;

/**
 * Read and validate a model's `performance.json`: undefined when there is none, a one-line
 * StartupError naming the file and the problem when it cannot be read or is invalid.
 */
export function readPerformanceFile(path: string): ModelPerformance | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new StartupError(`${path}: cannot read performance file: ${code ?? String(err)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new StartupError(`${path}: invalid JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  const parsed = performanceFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length > 0 ? issue.path.join('.') : '(root)';
    throw new StartupError(`${path}: ${where}: ${issue.message}`);
  }
  return toPerformance(parsed.data);
}

export function toPerformance(file: PerformanceFile): ModelPerformance {
  const { reference: r, calibration } = file;
  return {
    decisionThreshold: file.decision_threshold,
    scoreBuckets: Object.freeze([...file.score_buckets]),
    ...(r && {
      reference: {
        rows: r.rows,
        rocAuc: r.roc_auc,
        precision: r.precision,
        recall: r.recall,
        f1: r.f1,
        positiveRate: r.positive_rate,
        predictedPositiveRate: r.predicted_positive_rate,
        brier: r.brier,
        ece: r.ece,
      },
    }),
    alerting: toAlerting(file.alerting),
    ...(calibration && {
      calibration: calibration.map((c) => ({
        bucketUpper: c.bucket_upper,
        rows: c.rows,
        meanScore: c.mean_score,
        positiveRate: c.positive_rate,
      })),
    }),
  };
}

function toAlerting(a: PerformanceFile['alerting']): PerformanceAlerting {
  return {
    minLabels: a.min_labels,
    minPositives: a.min_positives,
    margins: { rocAuc: a.margins.roc_auc, precision: a.margins.precision, recall: a.margins.recall, f1: a.margins.f1 },
  };
}
