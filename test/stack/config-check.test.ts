import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadYaml } from '../alerts/load-yaml.js';
import { alertRules, REPO_ROOT } from '../alerts/rule-file.js';
import { hasBinary, PROMETHEUS_INSTALL } from '../helpers/binaries.js';
import { freePort } from '../helpers/prometheus.js';

/**
 * The Prometheus and Alertmanager files checked by the tools that will load them (promtool and
 * amtool, from the Debian packages: Prometheus 2.42, Alertmanager 0.25), the routing tree and the
 * inhibitions of a real Alertmanager, and the alerts' labels, annotations and runbooks.
 */

const ALERTMANAGER_INSTALL = 'apt-get update && apt-get install -y --no-install-recommends prometheus-alertmanager';
const SEVERITIES = ['critical', 'warning', 'ticket'];

const run = (command: string, args: string[]) => spawnSync(command, args, { cwd: REPO_ROOT, encoding: 'utf8' });
const output = (result: ReturnType<typeof run>) => `${result.stdout}\n${result.stderr}`;

const hasPromtool = hasBinary('promtool', PROMETHEUS_INSTALL);
const hasAmtool = hasBinary('amtool', ALERTMANAGER_INSTALL);
const hasAlertmanager = hasBinary('prometheus-alertmanager', ALERTMANAGER_INSTALL);

describe.skipIf(!hasPromtool)('promtool', () => {
  it('prometheus.yml is a valid configuration and its rule file (relative to it) loads', () => {
    const result = run('promtool', ['check', 'config', 'prometheus.yml']);
    expect(result.status, output(result)).toBe(0);
    expect(result.stdout).toMatch(/SUCCESS: 1 rule files found/);
  });

  it('alert-rules.yml passes promtool check rules', () => {
    const result = run('promtool', ['check', 'rules', 'alert-rules.yml']);
    expect(result.status, output(result)).toBe(0);
  });
});

describe('prometheus.yml is easy to rewrite for a test stack', () => {
  const config = loadYaml(join(REPO_ROOT, 'prometheus.yml')) as {
    global: Record<string, string>;
    rule_files: string[];
    alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
    scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
  };

  it('scrapes ml-service, itself and Alertmanager, one static target each, and sends alerts to alertmanager:9093', () => {
    const targets = Object.fromEntries(config.scrape_configs.map((job) => [job.job_name, job.static_configs.flatMap((s) => s.targets)]));
    expect(targets).toEqual({ 'ml-service': ['ml-service:8000'], prometheus: ['localhost:9090'], alertmanager: ['alertmanager:9093'] });
    for (const job of config.scrape_configs) expect(job.static_configs, job.job_name).toHaveLength(1);
    expect(config.alerting.alertmanagers.flatMap((a) => a.static_configs.flatMap((s) => s.targets))).toEqual(['alertmanager:9093']);
    expect(config.rule_files).toEqual(['alert-rules.yml']);
  });
});

describe.skipIf(!hasAmtool)('amtool', () => {
  // The *_file secrets are read when a notification is sent, not when the configuration is
  // loaded: check-config needs no secret files.
  it('alertmanager.yml passes amtool check-config, even with every secret file missing', async () => {
    const result = run('amtool', ['check-config', 'alertmanager.yml']);
    expect(result.status, output(result)).toBe(0);

    const dir = await mkdtemp(join(tmpdir(), 'ml-service-amtool-'));
    try {
      const text = readFileSync(join(REPO_ROOT, 'alertmanager.yml'), 'utf8').replace(/(_file: )\/run\/secrets\//g, `$1${dir}/missing/`);
      expect(text).toContain(`${dir}/missing/slack_webhook_url`);
      await writeFile(join(dir, 'alertmanager.yml'), text);
      const missing = run('amtool', ['check-config', join(dir, 'alertmanager.yml')]);
      expect(missing.status, output(missing)).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  const routes = (...labels: string[]) => {
    const result = run('amtool', ['config', 'routes', 'test', '--config.file=alertmanager.yml', ...labels]);
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
    child = spawn('prometheus-alertmanager', [
      `--config.file=${join(REPO_ROOT, 'alertmanager.yml')}`,
      `--storage.path=${dir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
    ]);
    child.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const deadline = Date.now() + 20_000;
    for (;;) {
      const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
      if (ready) break;
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`Alertmanager did not become ready:\n${log}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
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
    const response = await fetch(`${url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(response.status, await response.text()).toBe(200);
  };
  /** Inhibitions apply when alerts are read: poll until the expected ones are suppressed. */
  const statesOnceSettled = async (suppressed: number): Promise<Map<string, string>> => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const alerts = (await (await fetch(`${url}/api/v2/alerts`)).json()) as ApiAlert[];
      const states = new Map(alerts.map((a) => [`${a.labels['alertname']}/${a.labels['severity']}/${a.labels['job'] ?? ''}/${a.labels['model_name'] ?? ''}`, a.status.state]));
      if ([...states.values()].filter((s) => s === 'suppressed').length >= suppressed || Date.now() > deadline) return states;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  it('a service that is down silences every other alert of its job, not its own nor other jobs\'', async () => {
    await post([
      { alertname: 'MLServiceDown', severity: 'critical', job: 'ml-service', instance: 'ml-service:8000' },
      { alertname: 'HighPredictionLatency', severity: 'warning', job: 'ml-service', model_name: 'fraud-detection', model_version: 'v1.0' },
      { alertname: 'PredictAvailabilityBudgetBurn', severity: 'critical', job: 'ml-service', slo: 'predict-availability' },
      { alertname: 'FeatureDriftDetected', severity: 'warning', job: 'ml-service', model_name: 'fraud-detection', model_version: 'v1.0', feature_name: 'amount' },
      { alertname: 'HighPredictionLatency', severity: 'warning', job: 'other-service', model_name: 'fraud-detection', model_version: 'v1.0' },
    ]);
    const states = await statesOnceSettled(3);
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
    const states = await statesOnceSettled(4);
    expect(states.get(`HighErrorRate/critical/${job}/fraud-detection`)).toBe('active');
    expect(states.get(`HighErrorRate/warning/${job}/fraud-detection`)).toBe('suppressed');
    expect(states.get(`HighErrorRate/warning/${job}/other-model`)).toBe('active');
  });
});

describe('alerts: labels, annotations, runbooks', () => {
  const alerts = alertRules();
  const RUNBOOKS = join(REPO_ROOT, 'docs/runbooks');

  it('every alert has a severity Alertmanager routes on, a summary, a description and a runbook_url', () => {
    expect(alerts.length).toBeGreaterThan(0);
    for (const rule of alerts) {
      expect(SEVERITIES, rule.alert).toContain(rule.labels?.['severity']);
      for (const key of ['summary', 'description', 'runbook_url']) expect(rule.annotations?.[key]?.trim(), `${rule.alert}: ${key}`).toBeTruthy();
    }
  });

  it('every alert waits with a plain-duration for: (a test stack can shorten it)', () => {
    for (const rule of alerts) {
      expect(rule.for, rule.alert).toMatch(/^\d+[smh]$/);
      if (rule.keep_firing_for !== undefined) expect(rule.keep_firing_for, rule.alert).toMatch(/^\d+[smh]$/);
    }
  });

  it('every runbook_url is docs/runbooks/<alertname>.md and the file has Check and Act sections', () => {
    for (const rule of alerts) {
      expect(rule.annotations?.['runbook_url']).toBe(`docs/runbooks/${rule.alert}.md`);
      const path = join(REPO_ROOT, rule.annotations!['runbook_url']!);
      expect(existsSync(path), `${path} is missing`).toBe(true);
      const text = readFileSync(path, 'utf8');
      expect(text, path).toMatch(new RegExp(`^# ${rule.alert}$`, 'm'));
      expect(text, path).toMatch(/^## Check$/m);
      expect(text, path).toMatch(/^## Act$/m);
    }
  });

  it('every runbook belongs to an alert, and the runbook index lists them all', () => {
    const names = new Set(alerts.map((rule) => rule.alert));
    const files = readdirSync(RUNBOOKS).filter((name) => name !== 'README.md');
    expect(files.filter((name) => !names.has(name.replace(/\.md$/, '')))).toEqual([]);
    const index = readFileSync(join(RUNBOOKS, 'README.md'), 'utf8');
    for (const name of names) expect(index, name).toContain(`[${name}](${name}.md)`);
  });
});
