import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { binary, hasBinary, PROMETHEUS_INSTALL } from '../../helpers/binaries.js';
import { openMetricsReferenceParser, parseExposition } from '../../helpers/exposition.js';
import { createFeedbackTelemetry } from '../../../src/telemetry/feedback-telemetry.js';
import { createMetrics, FEEDBACK_OUTCOMES, type PerformanceDescriptor } from '../../../src/telemetry/metrics.js';
import { createPredictionTelemetry, type ModelLayout } from '../../../src/telemetry/prediction-telemetry.js';

const performance: PerformanceDescriptor = {
  decisionThreshold: 0.4,
  scoreBuckets: [0.1, 0.4, 1],
  reference: { rocAuc: 0.9, precision: 0.5, recall: 0.4, f1: 0.44, positiveRate: 0.02, brier: 0.02, ece: 0.01 },
  alerting: { minLabels: 100, minPositives: 10, margins: { rocAuc: 0.05, precision: 0.1, recall: 0.1, f1: 0.1 } },
};
const MODEL: ModelLayout = {
  name: 'fraud-detection',
  version: 'v1.0',
  framework: 'onnx',
  features: [{ name: 'amount', type: 'numeric', offset: 0 }],
  width: 1,
  performance,
};
const LABELS = { model_name: 'fraud-detection', model_version: 'v1.0' };

function setUp(models: readonly ModelLayout[] = [MODEL]) {
  const metrics = createMetrics({ models, rejectionReasons: [] });
  return {
    metrics,
    feedback: createFeedbackTelemetry(metrics, models),
    prediction: createPredictionTelemetry(metrics, models, []),
    scrape: async () => parseExposition(await metrics.render('text')),
  };
}

describe('feedback telemetry', () => {
  it('every series exists at zero from the start: per class, per bucket, per outcome', async () => {
    const m = await setUp().scrape();
    expect(m.find('ml_feedback_labels_total', LABELS)).toHaveLength(4);
    expect(m.find('ml_feedback_bucket_labels_total', LABELS).map((s) => `${s.labels['label']} ${s.labels['bucket']}`)).toEqual([
      'positive 0.1',
      'negative 0.1',
      'positive 0.4',
      'negative 0.4',
      'positive 1',
      'negative 1',
    ]);
    expect(m.find('ml_feedback_positives_above_total', LABELS)).toHaveLength(3);
    expect(m.find('ml_feedback_bucket_score_sum_total', LABELS)).toHaveLength(3);
    expect(m.find('ml_prediction_decisions_total', LABELS)).toHaveLength(2);
    expect(m.find('ml_prediction_expected_positives_total', LABELS)).toHaveLength(2);
    expect(m.find('ml_feedback_total').map((s) => s.labels['outcome'])).toEqual([...FEEDBACK_OUTCOMES]);
    expect(m.value('ml_feedback_label_delay_seconds_count', LABELS)).toBe(0);
    expect(m.find('ml_feedback_label_delay_seconds_bucket', LABELS).map((s) => s.labels['le'])).toEqual([
      '60',
      '300',
      '900',
      '3600',
      '21600',
      '86400',
      '259200',
      '604800',
      '1209600',
      '2592000',
      '+Inf',
    ]);
    const all = m.samples.filter((s) => s.labels['model_name'] !== undefined && !s.name.startsWith('ml_model_'));
    expect(all.every((s) => s.value === 0 || s.name === 'ml_model_info')).toBe(true);
  });

  it('a label: the confusion matrix at the threshold (exclusive), the bucket holding its score (edges inclusive), positives above, score sum, squared error, delay', async () => {
    const t = setUp();
    const recorder = t.feedback.recorder('fraud-detection', 'v1.0');
    recorder.labelled(0.4, true, 30); // on the threshold and on an edge: predicted negative, bucket 0.4
    recorder.labelled(0.05, false, 400);
    recorder.labelled(0.9, true, 90_000);
    recorder.labelled(0.9, false, -5); // a clock a little behind: the delay counts as 0
    const m = await t.scrape();
    const confusion = (label: string, predicted: string) => m.value('ml_feedback_labels_total', { ...LABELS, label, predicted });
    expect([confusion('positive', 'positive'), confusion('positive', 'negative')]).toEqual([1, 1]);
    expect([confusion('negative', 'positive'), confusion('negative', 'negative')]).toEqual([1, 1]);
    const bucket = (label: string, b: string) => m.value('ml_feedback_bucket_labels_total', { ...LABELS, label, bucket: b });
    expect([bucket('positive', '0.1'), bucket('positive', '0.4'), bucket('positive', '1')]).toEqual([0, 1, 1]);
    expect([bucket('negative', '0.1'), bucket('negative', '0.4'), bucket('negative', '1')]).toEqual([1, 0, 1]);
    const above = (b: string) => m.value('ml_feedback_positives_above_total', { ...LABELS, bucket: b });
    expect([above('0.1'), above('0.4'), above('1')]).toEqual([2, 1, 0]);
    const sum = (b: string) => m.value('ml_feedback_bucket_score_sum_total', { ...LABELS, bucket: b });
    expect([sum('0.1'), sum('0.4'), sum('1')]).toEqual([0.05, 0.4, 1.8]);
    expect(m.value('ml_feedback_squared_error_total', LABELS)).toBeCloseTo(0.36 + 0.0025 + 0.01 + 0.81, 12);
    const le = (b: string) => m.value('ml_feedback_label_delay_seconds_bucket', { ...LABELS, le: b });
    expect([le('60'), le('300'), le('900'), le('86400'), le('259200')]).toEqual([2, 2, 3, 3, 4]);
    expect(m.value('ml_feedback_label_delay_seconds_sum', LABELS)).toBe(30 + 400 + 90_000);
  });

  it('a NaN score is counted in the last bucket with nothing added to the sums, so every label is in exactly one bucket', async () => {
    const t = setUp();
    t.feedback.recorder('fraud-detection', 'v1.0').labelled(Number.NaN, true, 10);
    const m = await t.scrape();
    expect(m.value('ml_feedback_bucket_labels_total', { ...LABELS, label: 'positive', bucket: '1' })).toBe(1);
    expect(m.value('ml_feedback_labels_total', { ...LABELS, label: 'positive', predicted: 'negative' })).toBe(1);
    expect(m.value('ml_feedback_bucket_score_sum_total', { ...LABELS, bucket: '1' })).toBe(0);
    expect(m.value('ml_feedback_squared_error_total', LABELS)).toBe(0);
  });

  it('the prediction side: decisions and summed scores per class, a NaN score in neither', async () => {
    const t = setUp();
    // (float32: 0.4 would be 0.4000000059604645, above the threshold.)
    const scores = Float32Array.of(0.1, 0.25, 0.5, 0.9, Number.NaN);
    t.prediction.recorder('fraud-detection', 'v1.0').predicted(5, new Float32Array(5), new Uint8Array(5).fill(1), scores, 0.001, undefined);
    const m = await t.scrape();
    const value = (name: string, predicted: string) => m.value(name, { ...LABELS, predicted });
    expect(value('ml_prediction_decisions_total', 'positive')).toBe(2);
    expect(value('ml_prediction_decisions_total', 'negative')).toBe(2);
    expect(value('ml_prediction_expected_positives_total', 'positive')).toBe(scores[2]! + scores[3]!);
    expect(value('ml_prediction_expected_positives_total', 'negative')).toBe(scores[0]! + scores[1]!);
  });

  it('outcomes count by the closed set; a model without performance settings has no decision or feedback series', async () => {
    const { performance: _, ...withoutPerformance } = MODEL;
    const t = setUp([{ ...withoutPerformance, version: 'v0' }, MODEL]);
    t.feedback.outcome('accepted', 3);
    t.feedback.outcome('expired');
    t.feedback.recorder('fraud-detection', 'v0').labelled(0.5, true, 1);
    t.feedback.recorder('nope', 'v1').labelled(0.5, true, 1);
    const m = await t.scrape();
    expect(m.value('ml_feedback_total', { outcome: 'accepted' })).toBe(3);
    expect(m.value('ml_feedback_total', { outcome: 'expired' })).toBe(1);
    expect(m.find('ml_feedback_labels_total', { model_version: 'v0' })).toEqual([]);
    expect(m.find('ml_prediction_decisions_total', { model_version: 'v0' })).toEqual([]);
    expect(m.find('ml_model_decision_threshold').map((s) => s.labels['model_version'])).toEqual(['v1.0']);
  });

  it.runIf(hasBinary('promtool', PROMETHEUS_INSTALL))(
    'promtool check metrics accepts the text rendering with labels recorded',
    async () => {
      const t = setUp();
      t.feedback.recorder('fraud-detection', 'v1.0').labelled(0.3, true, 100);
      const result = spawnSync(binary('promtool'), ['check', 'metrics'], { input: await t.metrics.render('text'), encoding: 'utf8' });
      expect(result.stdout + result.stderr).toBe('');
      expect(result.status).toBe(0);
    },
  );

  const referenceParser = openMetricsReferenceParser();
  it.runIf(referenceParser !== undefined)('the OpenMetrics reference parser accepts the OpenMetrics rendering', async () => {
    const t = setUp();
    t.feedback.recorder('fraud-detection', 'v1.0').labelled(0.3, true, 100);
    const parsed = referenceParser!(await t.metrics.render('openmetrics'));
    expect(parsed.error).toBe('');
    expect(parsed.samples.find((s) => s.name === 'ml_feedback_total' && s.labels['outcome'] === 'accepted')).toBeDefined();
  });
});
