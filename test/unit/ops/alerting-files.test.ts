import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadYaml } from '../../alerts/load-yaml.js';
import { alertRules, REPO_ROOT } from '../../alerts/rule-file.js';

/**
 * prometheus.yml and alert-rules.yml as files, without a binary: the shape a test stack rewrites,
 * and every alert's labels, annotations and runbook. promtool and amtool check the same files in
 * test/stack/config-check.test.ts; promtool runs the rules' own tests in test/alerts.
 */

const SEVERITIES = ['critical', 'warning', 'ticket'];

describe('prometheus.yml is easy to rewrite for a test stack', () => {
  const config = loadYaml(join(REPO_ROOT, 'prometheus.yml')) as {
    global: Record<string, string>;
    rule_files: string[];
    alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
    scrape_configs: { job_name: string; static_configs?: { targets: string[] }[]; dns_sd_configs?: { names: string[]; port: number }[] }[];
  };

  it('scrapes ml-service (every replica, by DNS), itself and Alertmanager, and sends alerts to alertmanager:9093', () => {
    const targets = Object.fromEntries(
      config.scrape_configs.map((job) => [
        job.job_name,
        [
          ...(job.static_configs ?? []).flatMap((s) => s.targets),
          ...(job.dns_sd_configs ?? []).map((d) => `dns:${d.names.join()}:${d.port}`),
        ],
      ]),
    );
    expect(targets).toEqual({ 'ml-service': ['dns:ml-service:8000'], prometheus: ['localhost:9090'], alertmanager: ['alertmanager:9093'] });
    // One kind of discovery per job: the test stacks replace it with one loopback target.
    for (const job of config.scrape_configs)
      expect((job.static_configs ?? []).length + (job.dns_sd_configs ?? []).length, job.job_name).toBe(1);
    expect(config.alerting.alertmanagers.flatMap((a) => a.static_configs.flatMap((s) => s.targets))).toEqual(['alertmanager:9093']);
    expect(config.rule_files).toEqual(['alert-rules.yml']);
  });
});

describe('alerts: labels, annotations, runbooks', () => {
  const alerts = alertRules();
  const RUNBOOKS = join(REPO_ROOT, 'docs/runbooks');

  it('every alert has a severity Alertmanager routes on, a summary, a description and a runbook_url', () => {
    expect(alerts.length).toBeGreaterThan(0);
    for (const rule of alerts) {
      expect(SEVERITIES, rule.alert).toContain(rule.labels?.['severity']);
      for (const key of ['summary', 'description', 'runbook_url'])
        expect(rule.annotations?.[key]?.trim(), `${rule.alert}: ${key}`).toBeTruthy();
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
