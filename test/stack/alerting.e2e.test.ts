import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PACKAGED_MODELS_DIR } from '../../src/config/index.js';
import { parseShift, runSimulation } from '../../scripts/simulate/traffic.js';
import { fastPrometheusConfig, fastRules, type Yaml } from '../../scripts/stack/native-config.js';
import {
  startRepoAlertmanager,
  startWebhookSink,
  type Delivery,
  type RunningAlertmanager,
  type WebhookSink,
} from '../helpers/alertmanager.js';
import { ALERTMANAGER_INSTALL, ALERTMANAGER_NAMES, hasBinary, PROMETHEUS_INSTALL } from '../helpers/binaries.js';
import { spawnServer, type ServerProcess } from '../helpers/process.js';
import { startPrometheus, type RunningPrometheus } from '../helpers/prometheus.js';

/**
 * The whole alerting path, natively: drifted requests -> the service's drift gauges -> a real
 * Prometheus evaluating the repository's alert-rules.yml -> a real Alertmanager with the
 * repository's routing tree -> Slack and PagerDuty payloads at a local sink, and back to resolved.
 * Only targets, intervals, `for:` durations and range windows are rewritten, so it runs in a minute.
 */
const available = hasBinary('prometheus', PROMETHEUS_INSTALL) && hasBinary(ALERTMANAGER_NAMES, ALERTMANAGER_INSTALL);
const root = fileURLToPath(new URL('../../', import.meta.url));
const MODEL = { modelName: 'fraud-detection', modelVersion: 'v1.0' };

/** Every `expr` in a dashboard JSON, with Grafana's variables filled in. */
async function dashboardExpressions(): Promise<{ where: string; expr: string }[]> {
  const dir = `${root}grafana/dashboards`;
  const out: { where: string; expr: string }[] = [];
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.json'))) {
    const walk = (node: unknown, title: string): void => {
      if (Array.isArray(node)) return node.forEach((n) => walk(n, title));
      if (node && typeof node === 'object') {
        const o = node as Record<string, unknown>;
        const here = typeof o['title'] === 'string' ? (o['title'] as string) : title;
        if (typeof o['expr'] === 'string' && o['expr'] !== '') out.push({ where: `${file} / ${here}`, expr: o['expr'] as string });
        for (const [k, v] of Object.entries(o)) if (k !== 'expr') walk(v, here);
      }
    };
    walk(JSON.parse(await readFile(`${dir}/${file}`, 'utf8')), file);
  }
  return out.map(({ where, expr }) => ({
    where,
    expr: expr
      .replaceAll('$__rate_interval', '1m')
      .replaceAll('$__interval', '15s')
      .replace(/\$\{?(model_name|model_version|feature_name)\}?/g, '.*'),
  }));
}

const text = (d: Delivery) => JSON.stringify(d.body);
const isSlack = (d: Delivery) => d.path === '/slack';
const isPagerDuty = (d: Delivery) => d.path.startsWith('/pagerduty');

describe.skipIf(!available)('alerting end to end: drifted traffic pages through real Prometheus and Alertmanager', () => {
  let sink: WebhookSink;
  let alertmanager: RunningAlertmanager;
  let server: ServerProcess;
  let prometheus: RunningPrometheus;
  let rulesText: string;

  beforeAll(async () => {
    sink = await startWebhookSink();
    alertmanager = await startRepoAlertmanager(sink);
    server = await spawnServer({
      DRIFT_INTERVAL_SECONDS: '1',
      DRIFT_WINDOW_SIZE: '300',
      DRIFT_MIN_ROWS: '100',
    });
    rulesText = await readFile(`${root}alert-rules.yml`, 'utf8');
    prometheus = await startPrometheus(
      fastPrometheusConfig(await readFile(`${root}prometheus.yml`, 'utf8'), server.port, alertmanager.port),
      {
        files: { 'alert-rules.yml': fastRules(rulesText) },
      },
    );
    await prometheus.waitFor('up{job="ml-service"} == 1', (s) => s.length === 1, 'the service scraped');
  }, 120_000);

  afterAll(async () => {
    await prometheus?.stop();
    server?.child.kill('SIGKILL');
    await alertmanager?.stop();
    await sink?.close();
  });

  it('amount tripled -> FeatureDriftDetected reaches Slack (not PagerDuty); every dashboard and rule query returns data; clean traffic -> resolved', async () => {
    const simulate = (drift: string[], seed: number) =>
      runSimulation({
        url: server.url,
        modelsDir: PACKAGED_MODELS_DIR,
        ...MODEL,
        rate: 200,
        durationSeconds: 2,
        batch: 1,
        shifts: drift.map(parseShift),
        seed,
      });
    const drifted = await simulate(['amount:*3'], 1);
    expect(drifted.statuses).toEqual({ 200: drifted.sent });

    const firing = await sink.waitFor(
      (d) => isSlack(d) && text(d).includes('FeatureDriftDetected') && text(d).includes('[FIRING'),
      'Slack message for FeatureDriftDetected firing',
    );
    expect(text(firing)).toContain('amount');
    expect(text(firing)).toContain('docs/runbooks/FeatureDriftDetected.md');

    // While the alert fires (so ALERTS has series too): every dashboard query returns data.
    const empty: string[] = [];
    // The fleet PSI needs at least 1000 values in its window; this test sends fewer, so that its
    // single replica's FeatureDriftDetected is not inhibited by FleetFeatureDrift. The fleet
    // expressions are checked the same way by test/stack/fleet.e2e.test.ts.
    const needsFleetTraffic = (expr: string) => /ml:drift_(psi|features_drifted):/.test(expr);
    // The realised performance metrics need labels (POST /feedback), the estimated precision a row
    // predicted positive, the performance alerts' annotation a firing alert; this test sends none.
    // test/stack/performance.e2e.test.ts checks them with labels.
    const needsFeedback = (expr: string) =>
      /ml:performance_(?!estimated_(?!precision)|reference|margin|min_)|ml:feedback_bucket_|ModelPerformanceBelowReference/.test(expr);
    for (const { where, expr } of await dashboardExpressions()) {
      if (needsFleetTraffic(expr) || needsFeedback(expr)) continue;
      if ((await prometheus.query(expr)).length === 0) empty.push(`${where}: ${expr}`);
    }
    // Every recording rule returns data, and every metric an alert reads exists.
    const groups = (parse(rulesText) as Yaml)['groups'] as Yaml[];
    const names = new Set<string>();
    for (const rule of groups.flatMap((g) => g['rules'] as Yaml[])) {
      if (rule['record']) {
        if (needsFleetTraffic(rule['record'] as string) || needsFeedback(rule['record'] as string)) continue;
        if ((await prometheus.query(rule['expr'] as string)).length === 0) empty.push(`recording rule ${rule['record']}: ${rule['expr']}`);
      } else {
        for (const m of (rule['expr'] as string).matchAll(/\b((?:ml_|http_|job:|job_model:)[a-zA-Z0-9_:]+|up)\b(?![\w:]|\s*[=!]~?\s*")/g))
          names.add(m[1]!);
      }
    }
    for (const name of names) {
      if ((await prometheus.query(`count({__name__="${name}"})`)).length === 0) empty.push(`metric read by an alert: ${name}`);
    }
    expect(empty).toEqual([]);

    const clean = await simulate([], 2);
    expect(clean.statuses).toEqual({ 200: clean.sent });
    const resolved = await sink.waitFor(
      (d) => isSlack(d) && text(d).includes('FeatureDriftDetected') && text(d).includes('[RESOLVED'),
      'Slack message for FeatureDriftDetected resolved',
    );
    expect(resolved.at).toBeGreaterThan(firing.at);
    // A warning goes to Slack only.
    expect(sink.deliveries.filter((d) => isPagerDuty(d) && text(d).includes('FeatureDriftDetected'))).toEqual([]);
  }, 180_000);

  it('the service stops -> MLServiceDown (critical) reaches PagerDuty and Slack', async () => {
    server.child.kill('SIGKILL');
    await server.exited;
    const page = await sink.waitFor((d) => isPagerDuty(d) && text(d).includes('MLServiceDown'), 'PagerDuty event for MLServiceDown');
    expect(page.body).toMatchObject({ routing_key: 'test-routing-key', event_action: 'trigger' });
    await sink.waitFor(
      (d) => isSlack(d) && text(d).includes('MLServiceDown') && text(d).includes('[FIRING'),
      'Slack message for MLServiceDown',
    );
  }, 120_000);
});
