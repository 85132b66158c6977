import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../alerts/rule-file.js';
import {
  ALERTMANAGER_INSTALL,
  ALERTMANAGER_NAMES,
  alertmanagerBinary,
  binary,
  hasBinary,
  PROMETHEUS_INSTALL,
} from '../helpers/binaries.js';
import { asPromQL, dashboardExpressions, datasourceExpressions, loadDashboards } from '../helpers/dashboards.js';
import { poll } from '../helpers/poll.js';
import { freePort } from '../helpers/prometheus.js';

/**
 * The Prometheus and Alertmanager files checked by the tools that will load them (promtool and
 * amtool, the versions docker-compose.yml runs: see findBinary), the dashboards' PromQL
 * parsed by promtool, and the routing tree and the inhibitions of a real Alertmanager. What needs
 * no binary (the alerts' labels, annotations and runbooks; the dashboards' metric names) is in
 * test/unit/ops.
 */

const run = (command: string, args: string[]) => spawnSync(command, args, { cwd: REPO_ROOT, encoding: 'utf8' });
const output = (result: ReturnType<typeof run>) => `${result.stdout}\n${result.stderr}`;

const hasPromtool = hasBinary('promtool', PROMETHEUS_INSTALL);
const hasAmtool = hasBinary('amtool', ALERTMANAGER_INSTALL);
const hasAlertmanager = hasBinary(ALERTMANAGER_NAMES, ALERTMANAGER_INSTALL);

describe.skipIf(!hasPromtool)('promtool', () => {
  it('prometheus.yml is a valid configuration and its rule file (relative to it) loads', () => {
    const result = run(binary('promtool'), ['check', 'config', 'prometheus.yml']);
    expect(result.status, output(result)).toBe(0);
    expect(result.stdout).toMatch(/SUCCESS: 1 rule files found/);
  });

  it('alert-rules.yml passes promtool check rules', () => {
    const result = run(binary('promtool'), ['check', 'rules', 'alert-rules.yml']);
    expect(result.status, output(result)).toBe(0);
  });

  it('every PromQL expression of the dashboards and data sources parses (promtool check rules)', async () => {
    const expressions = [...loadDashboards().flatMap(dashboardExpressions), ...datasourceExpressions()].map(asPromQL);
    const rules = expressions.map((expr, i) => `      - record: dashboard_expr_${i}\n        expr: ${JSON.stringify(expr)}`).join('\n');
    const dir = await mkdtemp(join(tmpdir(), 'ml-service-dashboards-'));
    try {
      const file = join(dir, 'dashboards.rules.yml');
      await writeFile(file, `groups:\n  - name: dashboards\n    rules:\n${rules}\n`);
      const result = run(binary('promtool'), ['check', 'rules', file]);
      expect(result.status, output(result)).toBe(0);
      expect(result.stdout).toContain(`SUCCESS: ${expressions.length} rules found`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!hasAmtool)('amtool', () => {
  // The *_file secrets are read when a notification is sent, not when the configuration is
  // loaded: check-config needs no secret files.
  it('alertmanager.yml passes amtool check-config, even with every secret file missing', async () => {
    const result = run(binary('amtool'), ['check-config', 'alertmanager.yml']);
    expect(result.status, output(result)).toBe(0);

    const dir = await mkdtemp(join(tmpdir(), 'ml-service-amtool-'));
    try {
      const text = readFileSync(join(REPO_ROOT, 'alertmanager.yml'), 'utf8').replace(/(_file: )\/run\/secrets\//g, `$1${dir}/missing/`);
      expect(text).toContain(`${dir}/missing/slack_webhook_url`);
      await writeFile(join(dir, 'alertmanager.yml'), text);
      const missing = run(binary('amtool'), ['check-config', join(dir, 'alertmanager.yml')]);
      expect(missing.status, output(missing)).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  const routes = (...labels: string[]) => {
    const result = run(binary('amtool'), ['config', 'routes', 'test', '--config.file=alertmanager.yml', ...labels]);
    expect(result.status, output(result)).toBe(0);
    return result.stdout.trim().split(',').sort();
  };

  it('critical reaches PagerDuty and Slack', () => {
    expect(routes('severity=critical', 'alertname=MLServiceDown', 'job=ml-service')).toEqual(['pagerduty', 'slack']);
    expect(routes('severity=critical', 'alertname=HighErrorRate', 'model_name=fraud-detection')).toEqual(['pagerduty', 'slack']);
  });

  it('warning and ticket reach Slack only, and so does an alert without a severity', () => {
    expect(routes('severity=warning', 'alertname=FeatureDriftDetected', 'model_name=fraud-detection')).toEqual(['slack']);
    expect(routes('severity=ticket', 'alertname=PredictLatencyBudgetBurn')).toEqual(['slack']);
    expect(routes('alertname=Unlabelled')).toEqual(['slack']);
  });
});

interface ApiAlert {
  labels: Record<string, string>;
  status: { state: string; inhibitedBy: string[] };
}

describe.skipIf(!hasAlertmanager)('a real Alertmanager with alertmanager.yml', () => {
  let dir: string;
  let child: ChildProcess;
  let url: string;
  let log = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ml-service-am-'));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const started = spawn(alertmanagerBinary(), [
      `--config.file=${join(REPO_ROOT, 'alertmanager.yml')}`,
      `--storage.path=${dir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
    ]);
    child = started;
    started.stdout.on('data', (chunk: Buffer) => (log += chunk.toString()));
    started.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
    await poll(
      async () => {
        if (started.exitCode !== null) throw new Error(`Alertmanager exited at startup:\n${log}`);
        return fetch(`${url}/-/ready`).then(
          (r) => r.ok,
          () => false,
        );
      },
      { deadlineMs: 20_000, what: 'Alertmanager ready', detail: () => log },
    );
  });

  afterAll(async () => {
    child?.kill('SIGKILL');
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const post = async (alerts: Record<string, string>[]) => {
    const now = Date.now();
    const body = alerts.map((labels) => ({
      labels,
      annotations: { summary: 's', description: 'd', runbook_url: `docs/runbooks/${labels['alertname']}.md` },
      startsAt: new Date(now - 60_000).toISOString(),
      endsAt: new Date(now + 3_600_000).toISOString(),
    }));
    const response = await fetch(`${url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status, await response.text()).toBe(200);
  };
  /**
   * The states of the alerts of `jobs`. Alertmanager keeps what earlier tests posted: each test
   * posts under jobs and alert names of its own and reads only its jobs. Inhibitions apply when
   * alerts are read: polls until `suppressed` of them are.
   */
  const statesOnceSettled = async (jobs: string[], suppressed: number): Promise<Map<string, string>> => {
    let states = new Map<string, string>();
    return poll(
      async () => {
        const alerts = ((await (await fetch(`${url}/api/v2/alerts`)).json()) as ApiAlert[]).filter((a) =>
          jobs.includes(a.labels['job'] ?? ''),
        );
        states = new Map(
          alerts.map((a) => [
            `${a.labels['alertname']}/${a.labels['severity']}/${a.labels['job'] ?? ''}/${a.labels['model_name'] ?? ''}`,
            a.status.state,
          ]),
        );
        return [...states.values()].filter((s) => s === 'suppressed').length >= suppressed ? states : undefined;
      },
      {
        deadlineMs: 10_000,
        what: `${suppressed} suppressed alerts of ${jobs.join(', ')}`,
        intervalMs: 100,
        detail: () => JSON.stringify(Object.fromEntries(states)),
      },
    );
  };

  it("a service that is down silences every other alert of its job, not its own nor other jobs'", async () => {
    await post([
      { alertname: 'MLServiceDown', severity: 'critical', job: 'ml-service', instance: 'ml-service:8000' },
      { alertname: 'HighPredictionLatency', severity: 'warning', job: 'ml-service', model_name: 'fraud-detection', model_version: 'v1.0' },
      { alertname: 'PredictAvailabilityBudgetBurn', severity: 'critical', job: 'ml-service', slo: 'predict-availability' },
      {
        alertname: 'FeatureDriftDetected',
        severity: 'warning',
        job: 'ml-service',
        model_name: 'fraud-detection',
        model_version: 'v1.0',
        feature_name: 'amount',
      },
      {
        alertname: 'HighPredictionLatency',
        severity: 'warning',
        job: 'other-service',
        model_name: 'fraud-detection',
        model_version: 'v1.0',
      },
    ]);
    const states = await statesOnceSettled(['ml-service', 'other-service'], 3);
    expect(Object.fromEntries(states)).toEqual({
      'MLServiceDown/critical/ml-service/': 'active',
      'HighPredictionLatency/warning/ml-service/fraud-detection': 'suppressed',
      'PredictAvailabilityBudgetBurn/critical/ml-service/': 'suppressed',
      'FeatureDriftDetected/warning/ml-service/fraud-detection': 'suppressed',
      'HighPredictionLatency/warning/other-service/fraud-detection': 'active',
    });
  });

  it('a critical alert silences the warning of the same alert and model, not of another model', async () => {
    const job = 'inhibition-test';
    await post([
      { alertname: 'HighErrorRate', severity: 'critical', job, model_name: 'fraud-detection', model_version: 'v1.0' },
      { alertname: 'HighErrorRate', severity: 'warning', job, model_name: 'fraud-detection', model_version: 'v1.0' },
      { alertname: 'HighErrorRate', severity: 'warning', job, model_name: 'other-model', model_version: 'v1.0' },
    ]);
    const states = await statesOnceSettled([job], 1);
    expect(states.get(`HighErrorRate/critical/${job}/fraud-detection`)).toBe('active');
    expect(states.get(`HighErrorRate/warning/${job}/fraud-detection`)).toBe('suppressed');
    expect(states.get(`HighErrorRate/warning/${job}/other-model`)).toBe('active');
  });

  it('a fleet drift alert silences the per-replica drift alerts of its model (and feature), not of another feature', async () => {
    const job = 'fleet-inhibition-test';
    const model = { job, model_name: 'fraud-detection', model_version: 'v1.0', severity: 'warning' };
    const instances = ['ml-service-0:8000', 'ml-service-1:8000', 'ml-service-2:8000'];
    await post([
      { ...model, alertname: 'FleetFeatureDrift', feature_name: 'amount' },
      ...instances.map((instance) => ({ ...model, alertname: 'FeatureDriftDetected', instance, feature_name: 'amount' })),
      ...instances.map((instance) => ({ ...model, alertname: 'DatasetDriftDetected', instance })),
      { ...model, alertname: 'FeatureDriftDetected', instance: instances[0]!, feature_name: 'age' },
      { ...model, alertname: 'FeatureDriftDetected', instance: instances[0]!, feature_name: 'amount', model_version: 'v2.0' },
    ]);
    let states: Record<string, string> = {};
    await poll(
      async () => {
        const alerts = ((await (await fetch(`${url}/api/v2/alerts`)).json()) as ApiAlert[]).filter((a) => a.labels['job'] === job);
        states = Object.fromEntries(
          alerts.map((a) => [
            [a.labels['alertname'], a.labels['model_version'], a.labels['instance'] ?? '', a.labels['feature_name'] ?? ''].join('/'),
            a.status.state,
          ]),
        );
        return Object.values(states).filter((s) => s === 'suppressed').length >= 6;
      },
      { deadlineMs: 10_000, what: 'six suppressed per-replica drift alerts', intervalMs: 100, detail: () => JSON.stringify(states) },
    );
    expect(states).toEqual({
      'FleetFeatureDrift/v1.0//amount': 'active',
      ...Object.fromEntries(instances.map((i) => [`FeatureDriftDetected/v1.0/${i}/amount`, 'suppressed'])),
      ...Object.fromEntries(instances.map((i) => [`DatasetDriftDetected/v1.0/${i}/`, 'suppressed'])),
      [`FeatureDriftDetected/v1.0/${instances[0]}/age`]: 'active',
      [`FeatureDriftDetected/v2.0/${instances[0]}/amount`]: 'active',
    });
  });
});
