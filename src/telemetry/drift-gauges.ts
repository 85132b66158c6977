import { DRIFT_STATTESTS, type Metrics } from './metrics.js';

/**
 * The part of a drift report the gauges show. Declared here, structurally, because telemetry
 * does not import drift/: app.ts hands the drift job's reports to publishDriftReport.
 */
export interface DriftTestResult {
  readonly stattest: string;
  readonly statistic: number;
  readonly p_value: number | null;
  readonly threshold: number;
  readonly drifted: boolean;
}
export interface DriftFeatureResult {
  readonly drifted: boolean;
  readonly psi?: number | null;
  readonly missing_ratio: number;
  readonly unseen_ratio?: number | null;
  readonly tests: readonly DriftTestResult[];
  /** The tolerance method's missing-share test: its own signal, published like a test, not part of `drifted`. */
  readonly missing_test?: DriftTestResult;
}
export interface DriftGaugeReport {
  readonly model_name: string;
  readonly model_version: string;
  readonly evaluated_at: string;
  readonly evaluation_ms: number;
  readonly window_rows: number;
  readonly drift_detected: boolean;
  readonly drift_score: number;
  readonly features: Readonly<Record<string, DriftFeatureResult>>;
  readonly prediction: { readonly drifted: boolean; readonly stattest: string; readonly score: number };
}

const STATTESTS: ReadonlySet<string> = new Set(DRIFT_STATTESTS);
const flag = (b: boolean) => (b ? 1 : 0);
/** A gauge never shows NaN or ±Inf: Prometheus would store it, and `> threshold` would be silently false. */
const finite = (x: number | null | undefined): x is number => typeof x === 'number' && Number.isFinite(x);

/**
 * Set every drift gauge of one model from its latest report. Feature names are those of the
 * model's schema (`features` is keyed by them, checked against `featureNames`), stattest values
 * a closed set: a report can never add a series outside them.
 */
export function publishDriftReport(metrics: Metrics, featureNames: ReadonlySet<string>, report: DriftGaugeReport): void {
  const { model_name: name, model_version: version } = report;
  const ofModel = (labels: Readonly<Record<string, string>>) => labels['model_name'] === name && labels['model_version'] === version;
  // Which test applies to a feature can change between runs (evidently mode picks it from the data).
  for (const family of [metrics.driftScore, metrics.driftStatistic, metrics.driftPValue, metrics.driftThreshold, metrics.driftDetected]) {
    family.removeWhere(ofModel);
  }
  metrics.driftPredictionScore.removeWhere(ofModel);

  for (const [feature, result] of Object.entries(report.features)) {
    if (!featureNames.has(feature)) continue;
    for (const test of result.missing_test ? [...result.tests, result.missing_test] : result.tests) {
      if (!STATTESTS.has(test.stattest)) continue;
      const labels = [name, version, feature, test.stattest] as const;
      const score = test.p_value ?? test.statistic;
      if (finite(score)) metrics.driftScore.labels(...labels).set(score);
      if (finite(test.statistic)) metrics.driftStatistic.labels(...labels).set(test.statistic);
      if (finite(test.p_value)) metrics.driftPValue.labels(...labels).set(test.p_value);
      if (finite(test.threshold)) metrics.driftThreshold.labels(...labels).set(test.threshold);
      metrics.driftDetected.labels(...labels).set(flag(test.drifted));
    }
    metrics.driftFeatureDetected.labels(name, version, feature).set(flag(result.drifted));
    if (finite(result.psi)) metrics.driftPsi.labels(name, version, feature).set(result.psi);
    if (finite(result.missing_ratio)) metrics.driftMissingRatio.labels(name, version, feature).set(result.missing_ratio);
    if (finite(result.unseen_ratio)) metrics.driftUnseenRatio.labels(name, version, feature).set(result.unseen_ratio);
  }
  metrics.driftDatasetShare.labels(name, version).set(finite(report.drift_score) ? report.drift_score : 0);
  metrics.driftDatasetDetected.labels(name, version).set(flag(report.drift_detected));
  if (STATTESTS.has(report.prediction.stattest) && finite(report.prediction.score)) {
    metrics.driftPredictionScore.labels(name, version, report.prediction.stattest).set(report.prediction.score);
  }
  metrics.driftPredictionDetected.labels(name, version).set(flag(report.prediction.drifted));
  metrics.driftWindowRows.labels(name, version).set(report.window_rows);
  metrics.driftLastSuccess.labels(name, version).set(Date.parse(report.evaluated_at) / 1000);
  metrics.driftEvaluationDuration.labels(name, version).observe(report.evaluation_ms / 1000);
}

export function recordDriftRun(metrics: Metrics, modelName: string, modelVersion: string, outcome: 'success' | 'skipped' | 'failed'): void {
  metrics.driftRuns.labels(modelName, modelVersion, outcome).inc();
}
