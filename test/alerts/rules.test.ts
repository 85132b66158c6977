import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { binary, hasBinary, PROMETHEUS_INSTALL } from '../helpers/binaries.js';
import { loadYaml } from './load-yaml.js';
import { ALERT_TESTS_DIR, alertRules } from './rule-file.js';

/**
 * The alert rules' unit tests (test/alerts/*.test.yml) run by promtool, the Prometheus rule
 * engine itself, and a check that they cover every alert both ways: a case where it fires and
 * one where it must not.
 */

interface ExpectedAlert {
  readonly exp_labels?: Readonly<Record<string, string>>;
}
interface AlertCase {
  readonly eval_time: string;
  readonly alertname: string;
  readonly exp_alerts?: readonly ExpectedAlert[] | null;
}
interface UnitTest {
  readonly name?: string;
  readonly alert_rule_test?: readonly AlertCase[];
}

const TEST_FILES = readdirSync(ALERT_TESTS_DIR)
  .filter((name) => name.endsWith('.test.yml'))
  .sort();
const cases: (AlertCase & { file: string; test: string })[] = TEST_FILES.flatMap((file) =>
  ((loadYaml(join(ALERT_TESTS_DIR, file)) as { tests: UnitTest[] }).tests ?? []).flatMap((test, i) =>
    (test.alert_rule_test ?? []).map((c) => ({ ...c, file, test: test.name ?? `test ${i}` })),
  ),
);
const ALERTS = alertRules();
const alertNames = [...new Set(ALERTS.map((rule) => rule.alert))].sort();

const available = hasBinary('promtool', PROMETHEUS_INSTALL);

describe.skipIf(!available)('promtool test rules', () => {
  it('finds the rule unit tests', () => {
    expect(TEST_FILES.length).toBeGreaterThan(0);
  });

  // promtool evaluates every rule of the file at every step of each test: availability.test.yml (a
  // day of one-minute steps) takes about 30 s on a busy 2-core machine, over a minute when other
  // suites run beside it; hence a timeout of its own.
  it.each(TEST_FILES)(
    '%s passes',
    async (file) => {
      // rule_files in the test files are relative to the test file, whatever the working directory.
      // Not spawnSync: a file takes tens of seconds on a loaded machine, and a worker blocked that
      // long misses vitest's RPC deadline ("Timeout calling onTaskUpdate").
      const run = await new Promise<{ status: number | null; output: string }>((resolve) => {
        execFile(binary('promtool'), ['test', 'rules', join(ALERT_TESTS_DIR, file)], { encoding: 'utf8' }, (error, stdout, stderr) =>
          resolve({ status: error === null ? 0 : typeof error.code === 'number' ? error.code : null, output: `${stdout}\n${stderr}` }),
        );
      });
      expect(run.status, run.output).toBe(0);
    },
    180_000,
  );
});

describe('the rule unit tests cover every alert', () => {
  it('every alert of alert-rules.yml fires in at least one case, at each of its severities', () => {
    const fired = new Set(
      cases.flatMap((c) => (c.exp_alerts ?? []).map((a) => `${c.alertname}/${a.exp_labels?.['severity'] ?? '(none)'}`)),
    );
    const missing = ALERTS.map((rule) => `${rule.alert}/${rule.labels?.['severity'] ?? '(none)'}`).filter((key) => !fired.has(key));
    expect(missing).toEqual([]);
  });

  it('every alert has a case where it must not fire', () => {
    const quiet = new Set(cases.filter((c) => (c.exp_alerts ?? []).length === 0).map((c) => c.alertname));
    expect(alertNames.filter((name) => !quiet.has(name))).toEqual([]);
  });

  it('the cases name only alerts that exist', () => {
    expect([...new Set(cases.map((c) => c.alertname))].filter((name) => !alertNames.includes(name))).toEqual([]);
  });

  it('every drift alert waits (for:) and has hysteresis: keep_firing_for or a lower threshold while it fires', () => {
    const drift = ALERTS.filter(
      (rule) => (rule.group === 'ml-service-drift' || rule.group === 'ml-service-fleet-drift') && rule.alert !== 'DriftEvaluationStale',
    );
    expect(drift.map((rule) => rule.alert).sort()).toEqual([
      'DatasetDriftDetected',
      'FeatureDriftDetected',
      'FeatureMissingnessDrift',
      'FleetDatasetDrift',
      'FleetFeatureDrift',
      'PredictionDriftDetected',
    ]);
    for (const rule of drift) {
      expect(rule.for, rule.alert).toMatch(/^\d+[smh]$/);
      const selfReference = new RegExp(`ALERTS\\{alertname="${rule.alert}", alertstate="firing"\\}`);
      expect(rule.keep_firing_for !== undefined || selfReference.test(rule.expr), `${rule.alert} has no hysteresis`).toBe(true);
    }
  });

  it('each drift alert is tested firing at several times in one case (it does not flap) and resolved later', () => {
    for (const name of [
      'FeatureDriftDetected',
      'DatasetDriftDetected',
      'FeatureMissingnessDrift',
      'PredictionDriftDetected',
      'FleetFeatureDrift',
      'FleetDatasetDrift',
    ])
      expect(firesThenResolvesInOneCase(name), name).toBe(true);
  });

  it('ModelPerformanceBelowReference waits an hour, resolves only at a higher value than it fires at, and is tested so', () => {
    const [rule, ...others] = ALERTS.filter((rule) => rule.alert === 'ModelPerformanceBelowReference');
    expect(others).toEqual([]);
    expect(rule?.for).toBe('1h');
    expect(rule?.expr).toMatch(/ALERTS\{alertname="ModelPerformanceBelowReference", alertstate="firing"\}/);
    expect(firesThenResolvesInOneCase('ModelPerformanceBelowReference')).toBe(true);
  });
});

/** Some test case of `name` expects it firing at three times or more, and quiet at its last time. */
function firesThenResolvesInOneCase(name: string): boolean {
  const byTest = new Map<string, AlertCase[]>();
  for (const c of cases.filter((c) => c.alertname === name)) {
    const key = `${c.file}/${c.test}`;
    byTest.set(key, [...(byTest.get(key) ?? []), c]);
  }
  return [...byTest.values()].some((group) => {
    const firing = group.filter((c) => (c.exp_alerts ?? []).length > 0).length;
    const lastIsQuiet = (group.at(-1)?.exp_alerts ?? []).length === 0;
    return firing >= 3 && lastIsQuiet;
  });
}
