import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PACKAGED_MODELS_DIR } from '../../src/config/index.js';
import { StartupError } from '../../src/errors.js';
import {
  DEFAULT_SCORE_BUCKETS,
  defaultPerformance,
  loadModelRegistry,
  logitSpacedEdges,
  MAX_SCORE_BUCKETS,
  readPerformanceFile,
} from '../../src/model/index.js';

const SOURCE = join(PACKAGED_MODELS_DIR, 'fraud-detection', 'v1.0');

const VALID = {
  format_version: 1,
  decision_threshold: 0.3,
  score_buckets: [0.01, 0.1, 0.5, 1],
  reference: {
    rows: 100,
    roc_auc: 0.9,
    precision: 0.5,
    recall: 0.4,
    f1: 0.444444,
    positive_rate: 0.05,
    predicted_positive_rate: 0.04,
    brier: 0.03,
    ece: 0.01,
  },
  alerting: { min_labels: 2000, min_positives: 40, margins: { roc_auc: 0.04, precision: 0.2, recall: 0.15, f1: 0.12 } },
  calibration: [{ bucket_upper: 0.1, rows: 90, mean_score: 0.02, positive_rate: 0.03 }],
};

describe('readPerformanceFile', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ml-performance-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const write = async (content: unknown) => {
    const path = join(dir, 'performance.json');
    await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };

  /** Reading must fail with a one-line StartupError naming the file and containing `text`. */
  const expectStartupError = (path: string, text: string) => {
    let error: unknown;
    try {
      readPerformanceFile(path);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(StartupError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    expect(message.startsWith(`${path}: `)).toBe(true);
    expect(message).toContain(text);
  };

  it('a valid file -> camel-cased figures, margins and reliability table', async () => {
    const performance = readPerformanceFile(await write(VALID))!;
    expect(performance).toEqual({
      decisionThreshold: 0.3,
      scoreBuckets: [0.01, 0.1, 0.5, 1],
      reference: {
        rows: 100,
        rocAuc: 0.9,
        precision: 0.5,
        recall: 0.4,
        f1: 0.444444,
        positiveRate: 0.05,
        predictedPositiveRate: 0.04,
        brier: 0.03,
        ece: 0.01,
      },
      alerting: { minLabels: 2000, minPositives: 40, margins: { rocAuc: 0.04, precision: 0.2, recall: 0.15, f1: 0.12 } },
      calibration: [{ bucketUpper: 0.1, rows: 90, meanScore: 0.02, positiveRate: 0.03 }],
    });
  });

  it('no reference, alerting or calibration -> none, and the default alerting', async () => {
    const performance = readPerformanceFile(await write({ format_version: 1, decision_threshold: 0.5, score_buckets: [0.5, 1] }))!;
    expect(performance.reference).toBeUndefined();
    expect(performance.calibration).toBeUndefined();
    expect(performance.alerting).toEqual(defaultPerformance().alerting);
  });

  it('no file -> undefined', () => {
    expect(readPerformanceFile(join(dir, 'performance.json'))).toBeUndefined();
  });

  it('a directory in its place -> names the file', async () => {
    const path = join(dir, 'performance.json');
    await mkdir(path);
    expectStartupError(path, 'cannot read performance file: EISDIR');
  });

  it('not JSON -> names the file', async () => {
    expectStartupError(await write('{"format_version": 1,,}'), 'invalid JSON');
  });

  it.each([
    ['format_version', { ...VALID, format_version: 2 }],
    ['decision_threshold', { ...VALID, decision_threshold: 1 }],
    ['score_buckets.2: edges must be strictly ascending', { ...VALID, score_buckets: [0.1, 0.5, 0.5, 1] }],
    ['score_buckets.2: the last edge must be 1', { ...VALID, score_buckets: [0.1, 0.5, 0.9] }],
    ['score_buckets.0', { ...VALID, score_buckets: [0, 0.5, 1] }],
    ['score_buckets', { ...VALID, score_buckets: logitSpacedEdges(1e-4, 0.9999, MAX_SCORE_BUCKETS) }],
    ['reference.roc_auc', { ...VALID, reference: { ...VALID.reference, roc_auc: 1.2 } }],
    ['reference', { ...VALID, reference: { ...VALID.reference, extra: 1 } }],
    ['alerting.min_labels', { ...VALID, alerting: { ...VALID.alerting, min_labels: 0 } }],
    ['alerting.margins.recall', { ...VALID, alerting: { ...VALID.alerting, margins: { ...VALID.alerting.margins, recall: -0.1 } } }],
    ['calibration.0.rows', { ...VALID, calibration: [{ ...VALID.calibration[0], rows: 1.5 }] }],
  ])('invalid %s -> names the file and the field', async (where, content) => {
    expectStartupError(await write(content), `: ${where}`);
  });
});

describe('score buckets', () => {
  it('DEFAULT_SCORE_BUCKETS: 35 ascending edges from 3e-4 to 1, fine at both ends', () => {
    expect(DEFAULT_SCORE_BUCKETS).toHaveLength(35);
    expect(DEFAULT_SCORE_BUCKETS.length).toBeLessThanOrEqual(MAX_SCORE_BUCKETS);
    expect(DEFAULT_SCORE_BUCKETS.slice(0, 4)).toEqual([0.0003, 0.00047, 0.00075, 0.0012]);
    expect(DEFAULT_SCORE_BUCKETS.slice(-4)).toEqual([0.9975, 0.9984, 0.999, 1]);
    for (let i = 1; i < DEFAULT_SCORE_BUCKETS.length; i++) {
      expect(DEFAULT_SCORE_BUCKETS[i]).toBeGreaterThan(DEFAULT_SCORE_BUCKETS[i - 1]!);
    }
  });

  it('logitSpacedEdges: symmetric about 1/2 and labels that print as short decimals', () => {
    const edges = logitSpacedEdges(0.01, 0.99, 5);
    // logit(0.01) = -4.595; sigmoid(-2.2975) = 0.0913.
    expect(edges).toEqual([0.01, 0.091, 0.5, 0.909, 0.99, 1]);
    expect(edges.map(String)).toEqual(['0.01', '0.091', '0.5', '0.909', '0.99', '1']);
  });
});

describe('loadModelRegistry and performance.json', () => {
  let root: string;
  let dir: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'ml-registry-'));
    dir = join(root, 'fraud-detection', 'v1.0');
    await cp(SOURCE, dir, { recursive: true });
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('the embedded model -> its performance.json: the default buckets, a threshold, holdout figures', async () => {
    const registry = await loadModelRegistry(root, { intraOpThreads: 1 });
    const performance = registry.get('fraud-detection', 'v1.0')!.performance;
    expect(performance).toEqual(readPerformanceFile(join(SOURCE, 'performance.json')));
    expect(performance.scoreBuckets).toEqual(DEFAULT_SCORE_BUCKETS);
    expect(performance.decisionThreshold).toBeGreaterThan(0);
    expect(performance.reference).toMatchObject({ rows: 20_000 });
    expect(performance.reference!.rocAuc).toBeGreaterThan(0.9);
    // The reliability table reproduces the reference ECE: Σ rows·|positive_rate − mean_score| / N.
    const gap = performance.calibration!.reduce((sum, c) => sum + c.rows * Math.abs(c.positiveRate - c.meanScore), 0);
    expect(gap / performance.reference!.rows).toBeCloseTo(performance.reference!.ece, 5);
    await registry.close();
  });

  it('no performance.json -> defaultPerformance()', async () => {
    await rm(join(dir, 'performance.json'), { force: true });
    const registry = await loadModelRegistry(root, { intraOpThreads: 1 });
    expect(registry.get('fraud-detection', 'v1.0')!.performance).toEqual(defaultPerformance());
    expect(defaultPerformance()).toEqual({
      decisionThreshold: 0.5,
      scoreBuckets: DEFAULT_SCORE_BUCKETS,
      alerting: { minLabels: 1000, minPositives: 30, margins: { rocAuc: 0.05, precision: 0.1, recall: 0.1, f1: 0.1 } },
    });
    await registry.close();
  });

  it('an invalid performance.json -> the load fails with one line naming the file', async () => {
    const path = join(dir, 'performance.json');
    await writeFile(path, JSON.stringify({ ...VALID, decision_threshold: 'high' }));
    const error = await loadModelRegistry(root, { intraOpThreads: 1 }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(StartupError);
    expect((error as Error).message).toMatch(new RegExp(`^${path.replace(/[.]/g, '\\.')}: decision_threshold: `));
    expect((error as Error).message).not.toContain('\n');
  });
});
