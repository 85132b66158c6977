/**
 * The embedded model's performance.json and the model card sections behind it: decision
 * threshold, holdout reference figures, calibration, the score-bucket study, alerting margins and
 * what the concept drift of scripts/train/synthetic-transactions.ts does to the model. Pure: the
 * same scores, labels and seeds give the same bytes (scripts/train-model.ts writes them).
 */
import { ndtr } from '../../src/drift/stats/special/cephes.js';
import { DEFAULT_SCORE_BUCKETS, logitSpacedEdges, MAX_SCORE_BUCKETS, type PerformanceFile } from '../../src/model/performance-file.js';
import { brierScore, rocAuc } from './classification-metrics.js';
import {
  bootstrapFigures,
  bucketedRocAuc,
  calibratedEceDistribution,
  confusionAt,
  countBuckets,
  expectedCalibrationError,
  maxF1Threshold,
  mean,
  quantile,
  spiegelhalterZ,
  standardDeviation,
  thresholdMetrics,
  wilsonInterval,
} from './performance-metrics.js';
import type { Random } from './random.js';

/** Decision thresholds tried on the validation rows: the multiples of 0.01 in (0, 1). */
const THRESHOLD_CANDIDATES = Array.from({ length: 99 }, (_, i) => (i + 1) / 100);
/** The bucketed AUC must be this close to the exact AUC on the holdout (the issue asks 0.005). */
const MAX_AUC_ERROR = 0.001;
/** Labels a window needs before the alert compares it with the reference; the margins are sized for it. */
const MIN_LABELS = 5000;
/** One-sided z of the margins: a window of MIN_LABELS labels falls below reference − margin by chance ~0.13 % of the time. */
const MARGIN_Z = 3;
const BOOTSTRAP_RESAMPLES = 2000;
/** Label draws behind the ECE a calibrated model would show on the holdout. */
const CALIBRATED_ECE_DRAWS = 200;
const RELIABILITY_BINS = 10;

export interface PerformanceInput {
  /** The served (onnxruntime, float32) scores and the labels of the holdout. */
  readonly holdoutScores: ArrayLike<number>;
  readonly holdoutLabels: Uint8Array;
  /** Rows the model never saw and the holdout does not contain: where the threshold is chosen. */
  readonly validationScores: ArrayLike<number>;
  readonly validationLabels: Uint8Array;
  /** The holdout rows' labels drawn again, from conceptDriftedFraudProbability, and those probabilities. */
  readonly driftedLabels: Uint8Array;
  readonly driftedProbabilities: ArrayLike<number>;
  /** Seeded streams for the bootstrap and the calibrated-ECE draws. */
  readonly bootstrapRandom: Random;
  readonly calibrationRandom: Random;
}

export interface PerformanceReport {
  readonly file: PerformanceFile;
  /** Model card sections (Markdown, starting at a level-2 heading). */
  readonly markdown: string;
  /** One line for the training script's output. */
  readonly summary: string;
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
const fixed = (x: number, digits: number) => x.toFixed(digits);
const signed = (x: number, digits: number) => `${x < 0 ? '−' : '+'}${Math.abs(x).toFixed(digits)}`;
const percent = (x: number, digits = 1) => `${(x * 100).toFixed(digits)} %`;
const count = (x: number) => x.toLocaleString('en');

interface GridCandidate {
  readonly name: string;
  readonly edges: readonly number[];
  readonly chosen?: boolean;
}

export function buildPerformanceReport(input: PerformanceInput): PerformanceReport {
  const { holdoutScores: scores, holdoutLabels: labels } = input;
  const rows = labels.length;
  const edges = DEFAULT_SCORE_BUCKETS;

  // Threshold: maximum F1 on the validation rows, never on the holdout it is then judged on.
  const chosen = maxF1Threshold(input.validationScores, input.validationLabels, THRESHOLD_CANDIDATES);
  const threshold = chosen.threshold;
  const atThreshold = thresholdMetrics(confusionAt(scores, labels, threshold));
  const validationAt = thresholdMetrics(confusionAt(input.validationScores, input.validationLabels, threshold));

  const exactAuc = rocAuc(scores, labels);
  const buckets = countBuckets(scores, labels, edges);
  const bucketed = bucketedRocAuc(buckets);
  if (!(Math.abs(bucketed.rocAuc - exactAuc) <= MAX_AUC_ERROR)) {
    throw new Error(`score buckets: AUC from buckets ${bucketed.rocAuc} is not within ${MAX_AUC_ERROR} of the exact ${exactAuc}`);
  }
  const ece = expectedCalibrationError(buckets);
  const brier = brierScore(scores, labels);

  // Alerting: the spread of each figure over windows of MIN_LABELS labels drawn from the holdout.
  const minPositives = Math.floor((MIN_LABELS * atThreshold.positiveRate) / 10) * 10;
  const boot = bootstrapFigures(scores, labels, {
    threshold,
    edges,
    rows: MIN_LABELS,
    resamples: BOOTSTRAP_RESAMPLES,
    random: input.bootstrapRandom,
  });
  const reference = { rocAuc: exactAuc, precision: atThreshold.precision, recall: atThreshold.recall, f1: atThreshold.f1 };
  const spread = (Object.keys(reference) as (keyof typeof reference)[]).map((metric) => {
    const values = boot[metric];
    const sd = standardDeviation(values);
    const margin = Math.ceil(MARGIN_Z * sd * 100 - 1e-9) / 100;
    let below = 0;
    for (const v of values) if (v < reference[metric] - margin) below++;
    return { metric, reference: reference[metric], mean: mean(values), sd, margin, belowShare: below / values.length };
  });
  const margin = Object.fromEntries(spread.map((s) => [s.metric, s.margin])) as Record<keyof typeof reference, number>;
  let anyBelow = 0;
  for (let r = 0; r < BOOTSTRAP_RESAMPLES; r++) {
    if (spread.some((s) => boot[s.metric][r]! < s.reference - s.margin)) anyBelow++;
  }

  const calibration = edges.flatMap((edge, b) => {
    const n = buckets.positives[b]! + buckets.negatives[b]!;
    if (n === 0) return [];
    return [
      {
        bucket_upper: edge,
        rows: n,
        mean_score: round6(buckets.scoreSums[b]! / n),
        positive_rate: round6(buckets.positives[b]! / n),
      },
    ];
  });

  const file: PerformanceFile = {
    format_version: 1,
    decision_threshold: threshold,
    score_buckets: [...edges],
    reference: {
      rows,
      roc_auc: round6(exactAuc),
      precision: round6(atThreshold.precision),
      recall: round6(atThreshold.recall),
      f1: round6(atThreshold.f1),
      positive_rate: round6(atThreshold.positiveRate),
      predicted_positive_rate: round6(atThreshold.predictedPositiveRate),
      brier: round6(brier),
      ece: round6(ece),
    },
    alerting: {
      min_labels: MIN_LABELS,
      min_positives: minPositives,
      margins: { roc_auc: margin.rocAuc, precision: margin.precision, recall: margin.recall, f1: margin.f1 },
    },
    calibration,
  };

  // Label-free estimates (CBPE) from the scores alone, if the model is calibrated.
  let scoreSum = 0;
  let flaggedSum = 0;
  let flagged = 0;
  for (let i = 0; i < rows; i++) {
    scoreSum += scores[i]!;
    if (scores[i]! > threshold) {
      flaggedSum += scores[i]!;
      flagged++;
    }
  }
  const estimated = { precision: flaggedSum / flagged, recall: flaggedSum / scoreSum, positiveRate: scoreSum / rows };

  const binomialSd = (p: number, n: number) => Math.sqrt((p * (1 - p)) / n);
  const gaps = [
    Math.abs(estimated.precision - atThreshold.precision) / binomialSd(atThreshold.precision, flagged),
    Math.abs(estimated.recall - atThreshold.recall) / binomialSd(atThreshold.recall, atThreshold.positiveRate * rows),
    Math.abs(estimated.positiveRate - atThreshold.positiveRate) / binomialSd(atThreshold.positiveRate, rows),
  ];

  const calibratedEce = calibratedEceDistribution(scores, edges, input.calibrationRandom, CALIBRATED_ECE_DRAWS);
  const z = spiegelhalterZ(scores, labels);
  const zP = 2 * ndtr(-Math.abs(z));
  // Calibrated when neither test tells it apart from labels drawn from its own scores.
  const calibrated = Math.abs(z) <= 1.96 && ece <= calibratedEce.p95;

  // Concept drift: the holdout rows, labels drawn from the drifted process.
  const drifted = thresholdMetrics(confusionAt(scores, input.driftedLabels, threshold));
  const driftedAuc = rocAuc(scores, input.driftedLabels);
  const driftedBucketAuc = bucketedRocAuc(countBuckets(scores, input.driftedLabels, edges)).rocAuc;
  const driftedCeiling = rocAuc(input.driftedProbabilities, input.driftedLabels);
  const driftedEce = expectedCalibrationError(countBuckets(scores, input.driftedLabels, edges));

  const validationExact = rocAuc(input.validationScores, input.validationLabels);
  const validationBucketed = bucketedRocAuc(countBuckets(input.validationScores, input.validationLabels, edges)).rocAuc;
  const quantileTop = quantile(Float64Array.from(scores).sort(), 0.95);
  const study = scoreBucketStudy(scores, labels, input.validationScores, input.validationLabels);

  const markdown = `## Decision threshold: ${threshold}
A transaction is flagged when its score is **above ${threshold}** (\`score > decision_threshold\`, scikit-learn's
convention). ${threshold} is the multiple of 0.01 with the highest F1 on ${count(input.validationLabels.length)} validation rows: the
next rows of the same seeded stream, drawn after the holdout, never trained on and not part of the
holdout the figures below come from (F1 there ${fixed(chosen.f1, 4)}, precision ${fixed(validationAt.precision, 4)}, recall ${fixed(validationAt.recall, 4)}).

## Reference figures (holdout, ${count(rows)} rows, at the threshold)
What \`performance.json\` carries as \`reference\`, and what the performance alerts compare live labels against.
| figure | value |
|---|---|
| ROC AUC (exact) | ${fixed(exactAuc, 4)} |
| ROC AUC from the ${edges.length} score buckets | ${fixed(bucketed.rocAuc, 4)} (${signed(bucketed.rocAuc - exactAuc, 5)}; bound ±${fixed(bucketed.errorBound, 4)}) |
| precision | ${fixed(atThreshold.precision, 4)} |
| recall | ${fixed(atThreshold.recall, 4)} |
| F1 | ${fixed(atThreshold.f1, 4)} |
| positive rate (fraud share) | ${percent(atThreshold.positiveRate, 2)} |
| predicted positive rate (flagged share) | ${percent(atThreshold.predictedPositiveRate, 2)} |
| Brier score | ${fixed(brier, 5)} |
| ECE over the score buckets, Σ_b \\|positives_b − Σ scores_b\\| / N | ${fixed(ece, 5)} |

Label-free estimates from the scores alone, assuming calibration (CBPE): precision ${fixed(estimated.precision, 4)},
recall ${fixed(estimated.recall, 4)}, positive rate ${percent(estimated.positiveRate, 2)}, against the realised ${fixed(atThreshold.precision, 4)}, ${fixed(atThreshold.recall, 4)} and
${percent(atThreshold.positiveRate, 2)}: gaps of ${gaps.map((g) => fixed(g, 1)).join(', ')} binomial standard deviations of the realised figure. In
production a gap that grows well beyond that is a signal of its own: the scores no longer mean what they did.

## Calibration on the holdout
**${calibrated ? 'The model is calibrated on its holdout, within sampling error.' : 'The model is not calibrated on its holdout.'}** Mean score ${percent(estimated.positiveRate, 2)} against a fraud
rate of ${percent(atThreshold.positiveRate, 2)}; ECE ${fixed(ece, 5)}, where labels drawn from the scores themselves (a perfectly
calibrated model, ${CALIBRATED_ECE_DRAWS} draws) give ${fixed(calibratedEce.mean, 5)} on average and ${fixed(calibratedEce.p95, 5)} at the 95th percentile;
Spiegelhalter's z = ${signed(z, 2)} (two-sided p = ${fixed(zP, 2)}; |z| > 1.96 would reject calibration at 5 %).
${calibrationCaveat(scores, labels)}

Reliability table, ${RELIABILITY_BINS} equal-width bins (scikit-learn's \`calibration_curve(strategy="uniform")\`), 95 % Wilson interval of the
observed rate; \`performance.json\` carries the same table per score bucket (\`calibration\`).
${reliabilityTable(scores, labels)}

## Score buckets
Labelled predictions are counted per score bucket (\`ml_feedback_bucket_labels_total\`), and the recording rules
compute ROC AUC from those counts, counting the pairs inside a bucket as half-ordered. The error against the
exact AUC is at most ½ Σ_b pos_b · neg_b / (P · N) (the bound column); in practice it is much smaller, because
within a bucket the model orders pairs only slightly better than chance. The chosen grid, the service's
\`DEFAULT_SCORE_BUCKETS\` (src/model/performance-file.ts), is ${edges.length - 1} logit-spaced edges from 3e-4 to 0.999, each
rounded to two significant digits of its distance to the nearer end, then 1: ${edges.length} buckets.
${edges.map(String).join(', ')}.
Logit spacing keeps the buckets as fine near 1 as near 0, so they still separate the scores if traffic
pushes them upward; a log-spaced grid of the same size is finer below 0.1 but puts everything above
0.69 in one bucket. The study, on the holdout and, as a second sample, on the validation rows:
${study}

Equal-width buckets waste their resolution where almost no scores fall, and quantiles of this holdout's
scores put everything above ${Number(quantileTop.toPrecision(2))} in one bucket. Within a family the error moves by a few 1e-4 with the
exact placement of the edges (compare neighbouring sizes and the two samples), so the holdout error of the
chosen grid, ${signed(bucketed.rocAuc - exactAuc, 5)}, owes something to luck; on the validation rows it is ${signed(validationBucketed - validationExact, 5)}. Both are within
${MAX_AUC_ERROR} of the exact AUC, and the training script refuses buckets that are not, on the holdout; the issue asks for 0.005.

## Alerting defaults
A performance alert compares a window's figures with the reference once it holds at least **${count(MIN_LABELS)}
labels** and **${minPositives} positives** (${count(MIN_LABELS)} holdout rows hold ${fixed(MIN_LABELS * atThreshold.positiveRate, 0)} on average). Each margin is
${MARGIN_Z} standard deviations of that figure over ${count(BOOTSTRAP_RESAMPLES)} bootstrap windows of ${count(MIN_LABELS)} labels drawn from the holdout
(the AUC as the rules compute it, from the buckets), rounded up to 0.01: at the minimum, chance alone takes a
window below reference − margin about 0.13 % of the time per figure (one-sided normal), and larger windows
less often.
| figure | reference | bootstrap mean | bootstrap sd | margin | alert below | bootstrap windows below |
|---|---|---|---|---|---|---|
${spread
  .map(
    (s) =>
      `| ${s.metric === 'rocAuc' ? 'ROC AUC' : s.metric} | ${fixed(s.reference, 4)} | ${fixed(s.mean, 4)} | ${fixed(s.sd, 4)} | ${fixed(s.margin, 2)} | ${fixed(s.reference - s.margin, 4)} | ${percent(s.belowShare, 2)} |`,
  )
  .join('\n')}

${percent(anyBelow / BOOTSTRAP_RESAMPLES, 2)} of the bootstrap windows fall below the line on at least one figure.

## Concept drift (what \`npm run simulate\` injects)
\`conceptDriftedFraudLogit\` in scripts/train/synthetic-transactions.ts keeps the inputs and changes how fraud
depends on them: the amount ratio (the model's strongest feature) stops mattering and PIN-verified
transactions, which the model learned as safe, become risky; the fraud rate stays about the same. The holdout
rows with labels drawn from it (seeded):
| figure | reference | under concept drift |
|---|---|---|
| fraud rate | ${percent(atThreshold.positiveRate, 2)} | ${percent(drifted.positiveRate, 2)} |
| ROC AUC (exact) | ${fixed(exactAuc, 4)} | ${fixed(driftedAuc, 4)} (from buckets ${fixed(driftedBucketAuc, 4)}) |
| precision | ${fixed(atThreshold.precision, 4)} | ${fixed(drifted.precision, 4)} |
| recall | ${fixed(atThreshold.recall, 4)} | ${fixed(drifted.recall, 4)} |
| F1 | ${fixed(atThreshold.f1, 4)} | ${fixed(drifted.f1, 4)} |
| ECE | ${fixed(ece, 5)} | ${fixed(driftedEce, 5)} |

The scores, and so every input-drift and prediction-drift statistic, are the same rows' scores as on the
holdout: only labels can show this. The drifted process's own probabilities score AUC ${fixed(driftedCeiling, 4)} on these labels
(the ceiling a retrained model could approach).
`;

  const summary = `threshold ${threshold}, precision ${fixed(atThreshold.precision, 4)}, recall ${fixed(atThreshold.recall, 4)}, AUC from ${edges.length} buckets ${signed(bucketed.rocAuc - exactAuc, 5)}; concept drift: AUC ${fixed(driftedAuc, 4)}, recall ${fixed(drifted.recall, 4)}`;
  return { file, markdown, summary };
}

function calibrationCaveat(scores: ArrayLike<number>, labels: Uint8Array): string {
  // The band of the threshold, where most flagged rows score, stated so that nobody reads "calibrated" as exact.
  const counts = countBuckets(scores, labels, [0.1, 0.5, 1]);
  const n = counts.positives[1]! + counts.negatives[1]!;
  const meanScore = counts.scoreSums[1]! / n;
  const observed = counts.positives[1]! / n;
  const [lo, hi] = wilsonInterval(counts.positives[1]!, n);
  return `Between 0.1 and 0.5 (${count(n)} rows) the mean score is ${fixed(meanScore, 3)} and the observed rate ${fixed(observed, 3)} (95 % interval ${fixed(lo, 3)}–${fixed(hi, 3)}): the model ${meanScore > observed ? 'over' : 'under'}-predicts there by ${fixed(Math.abs(meanScore - observed), 3)}, its mean score ${meanScore >= lo && meanScore <= hi ? 'inside' : 'outside'} that interval.`;
}

function reliabilityTable(scores: ArrayLike<number>, labels: Uint8Array): string {
  const edges = Array.from({ length: RELIABILITY_BINS }, (_, i) => (i + 1) / RELIABILITY_BINS);
  const counts = countBuckets(scores, labels, edges);
  const lines = [
    '| score bin | rows | mean score | observed fraud rate | 95 % interval | fraud: observed / expected |',
    '|---|---|---|---|---|---|',
  ];
  edges.forEach((edge, b) => {
    const n = counts.positives[b]! + counts.negatives[b]!;
    const bin = `${b === 0 ? '[0' : `(${fixed(edges[b - 1]!, 1)}`}, ${fixed(edge, 1)}]`;
    if (n === 0) {
      lines.push(`| ${bin} | 0 | | | | |`);
      return;
    }
    const [lo, hi] = wilsonInterval(counts.positives[b]!, n);
    lines.push(
      `| ${bin} | ${count(n)} | ${fixed(counts.scoreSums[b]! / n, 4)} | ${fixed(counts.positives[b]! / n, 4)} | ${fixed(lo, 4)}–${fixed(hi, 4)} | ${counts.positives[b]} / ${fixed(counts.scoreSums[b]!, 1)} |`,
    );
  });
  return lines.join('\n');
}

/** Candidate grids: bucket count against AUC error and its bound. */
function scoreBucketStudy(
  scores: ArrayLike<number>,
  labels: Uint8Array,
  validationScores: ArrayLike<number>,
  validationLabels: Uint8Array,
): string {
  const sorted = Float64Array.from(scores).sort();
  const quantileGrid = (buckets: number) => {
    const edges = Array.from({ length: buckets - 1 }, (_, k) => quantile(sorted, (k + 1) / buckets));
    return [...new Set([...edges, 1])];
  };
  const grids: GridCandidate[] = [
    ...[20, 25, 30].map((b) => ({
      name: `log-spaced 10^(−4+4k/${b}), k = 0..${b}`,
      edges: Array.from({ length: b + 1 }, (_, k) => 10 ** (-4 + (4 * k) / b)),
    })),
    ...[20, 40].map((b) => ({ name: `holdout-score quantiles, ${b}`, edges: quantileGrid(b) })),
    ...[20, 40].map((b) => ({ name: `equal width k/${b}`, edges: Array.from({ length: b }, (_, k) => (k + 1) / b) })),
    ...[30, 40].map((n) => ({ name: 'logit-spaced 1e-4 … 0.9999 (symmetric)', edges: logitSpacedEdges(1e-4, 0.9999, n - 1) })),
    ...[30, 33, 35, 37, 40].map((n) => ({
      name: 'logit-spaced 3e-4 … 0.999',
      edges: logitSpacedEdges(3e-4, 0.999, n - 1),
      chosen: n === DEFAULT_SCORE_BUCKETS.length,
    })),
  ];
  const exact = rocAuc(scores, labels);
  const exactValidation = rocAuc(validationScores, validationLabels);
  const lines = [
    '| grid | buckets | AUC error, holdout | bound, holdout | AUC error, validation | highest edge below 1 |',
    '|---|---|---|---|---|---|',
  ];
  for (const grid of grids) {
    if (grid.edges.length > MAX_SCORE_BUCKETS + 1) throw new Error(`${grid.name}: ${grid.edges.length} edges`);
    const holdout = bucketedRocAuc(countBuckets(scores, labels, grid.edges));
    const validation = bucketedRocAuc(countBuckets(validationScores, validationLabels, grid.edges));
    const top = grid.edges.at(-2)!;
    const mark = grid.chosen ? '**' : '';
    lines.push(
      `| ${mark}${grid.name}${grid.chosen ? ' (chosen)' : ''}${mark} | ${grid.edges.length} | ${mark}${signed(holdout.rocAuc - exact, 5)}${mark} | ${fixed(holdout.errorBound, 4)} | ${signed(validation.rocAuc - exactValidation, 5)} | ${Number(top.toPrecision(4))} |`,
    );
  }
  return lines.join('\n');
}
