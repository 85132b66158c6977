import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PACKAGED_MODELS_DIR } from '../../src/config/index.js';
import { applyShifts, loadReferenceRows, parseShift } from '../../scripts/simulate/traffic.js';
import type { Yaml } from '../../scripts/stack/native-config.js';
import {
  startRepoAlertmanager,
  startWebhookSink,
  type Delivery,
  type RunningAlertmanager,
  type WebhookSink,
} from '../helpers/alertmanager.js';
import { ALERTMANAGER_INSTALL, ALERTMANAGER_NAMES, hasBinary, PROMETHEUS_INSTALL } from '../helpers/binaries.js';
import { dashboardExpressions, loadDashboards } from '../helpers/dashboards.js';
import { fleetPrometheusConfig, shortenRules } from '../helpers/fleet-stack.js';
import { poll } from '../helpers/poll.js';
import { spawnServer, type ServerProcess } from '../helpers/process.js';
import { startPrometheus, type PromSample, type RunningPrometheus } from '../helpers/prometheus.js';

/**
 * Fleet-wide drift, proven end to end: three replicas (`node dist/server.js`), a real Prometheus
 * with the repository's prometheus.yml and alert-rules.yml, a real Alertmanager with the
 * repository's alertmanager.yml and a local receiver for Slack and PagerDuty.
 *
 * Rewritten for speed, nothing else: scrape and evaluation every 1 s; the ml-service job's targets
 * are the three replicas on loopback (the file's DNS discovery finds Compose's containers); the
 * rule windows [1h] -> [30s], [6h] -> [60s] (and [30m] -> [6s] for the per-replica alerts); `for:`
 * 1 s for the fleet alerts and 4 s for the others. The proportions are those of production: the
 * per-replica drift alerts fire after the fleet one (their inhibition is what keeps them from the
 * receiver), and once clean traffic has refilled the replicas' windows they resolve well before the
 * fleet window has forgotten the drifted rows (were the fleet alert to resolve first, a per-replica
 * alert still firing would notify). Alertmanager's group_wait and group_interval 1 s.
 *
 * (a) Bin counts summed over the replicas equal exactly the counts `ml-service drift --model-dir`
 *     computes from a CSV of the same rows.
 * (b) The fleet PSI recorded by the rules equals the CLI's PSI within the bound that increase()'s
 *     extrapolation allows. Each replica's counters are 0 at a sample inside the window and all
 *     traffic was scraped before its end, so increase() = exact count x f_i, one factor per replica
 *     (Prometheus extrapolates from the last sample to the window's end, and not before the first
 *     sample, the counter having been 0 there). A share is then sum_i f_i c_ib / sum_i f_i n_i,
 *     within a factor (1 + eps) of the exact share, eps = max f_i / min f_i - 1; each PSI term
 *     (r - q) ln(r / q) is convex in q, so its error is at most its change at q (1 + eps) or
 *     q / (1 + eps), and the PSI's at most the sum of those over the bins. The test measures the
 *     f_i from Prometheus at the rule's own evaluation time and asserts the difference is within
 *     that sum (plus 1e-12 for summation order).
 * (c) Tripled amounts fire FleetFeatureDrift, which reaches the receiver once, while the three
 *     replicas' FeatureDriftDetected (and DatasetDriftDetected) fire too and are inhibited; clean
 *     traffic resolves it.
 */
const available = hasBinary('prometheus', PROMETHEUS_INSTALL) && hasBinary(ALERTMANAGER_NAMES, ALERTMANAGER_INSTALL);
const root = fileURLToPath(new URL('../../', import.meta.url));
const BIN = `${root}bin/ml-service.js`;
const MODEL_DIR = join(PACKAGED_MODELS_DIR, 'fraud-detection', 'v1.0');
const MODEL = { modelName: 'fraud-detection', modelVersion: 'v1.0' };
const WINDOW_1H = '30s';
const REPLICAS = 3;

/** alert-rules.yml with the windows and `for:` durations shortened (see above); expressions unchanged. */
function fleetRules(text: string): string {
  return shortenRules(text, { '[1h]': `[${WINDOW_1H}]`, '[6h]': '[60s]', '[30m]': '[6s]' }, (alert) =>
    alert.startsWith('Fleet') ? '1s' : '4s',
  );
}

type Row = Record<string, number | string>;
interface CliBins {
  bins: Record<
    string,
    {
      rows: number;
      values: number;
      psi: number | null;
      bins: { bin: string; count: number; ratio: number | null; reference_ratio: number }[];
    }
  >;
}

const text = (d: Delivery) => JSON.stringify(d.body);
const isSlack = (d: Delivery) => d.path === '/slack';

describe.skipIf(!available)('fleet drift end to end: 3 replicas, Prometheus sums their bins, one notification', () => {
  let sink: WebhookSink;
  let alertmanager: RunningAlertmanager;
  const replicas: ServerProcess[] = [];
  let prometheus: RunningPrometheus;
  let dir: string;
  let features: string[];
  let referenceRows: Row[];

  /** An instant query evaluated at `time` (Unix seconds). */
  async function queryAt(expr: string, time: number): Promise<PromSample[]> {
    const response = await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(expr)}&time=${time}`);
    const body = (await response.json()) as { status: string; data: { result: PromSample[] }; error?: string };
    if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
    return body.data.result;
  }

  /**
   * Send `rows` round-robin over the replicas in requests of `sizes` rows in turn (1: POST /predict,
   * more: a batch); by default alternately 1 and 29.
   */
  async function send(rows: readonly Row[], sizes: readonly number[] = [1, 29]): Promise<Map<string, number>> {
    const requests: Promise<void>[] = [];
    const sent = new Map(replicas.map((r) => [`127.0.0.1:${r.port}`, 0]));
    for (let start = 0, k = 0; start < rows.length; k++) {
      const size = sizes[k % sizes.length]!;
      const chunk = rows.slice(start, start + size);
      start += size;
      const replica = replicas[k % REPLICAS]!;
      const url = replica.url;
      sent.set(`127.0.0.1:${replica.port}`, sent.get(`127.0.0.1:${replica.port}`)! + chunk.length);
      const body = chunk.length === 1 ? { features: chunk[0] } : { instances: chunk };
      requests.push(
        fetch(`${url}/predict${chunk.length === 1 ? '' : '/batch'}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }).then(async (r) => {
          if (r.status !== 200) throw new Error(`POST ${url}: ${r.status} ${await r.text()}`);
        }),
      );
    }
    await Promise.all(requests);
    return sent;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ml-service-fleet-'));
    features = (JSON.parse(await readFile(join(MODEL_DIR, 'schema.json'), 'utf8')) as { features: { name: string }[] }).features.map(
      (f) => f.name,
    );
    referenceRows = await loadReferenceRows(PACKAGED_MODELS_DIR, MODEL.modelName, MODEL.modelVersion);
    sink = await startWebhookSink();
    alertmanager = await startRepoAlertmanager(sink);
    const env = { DRIFT_INTERVAL_SECONDS: '1', DRIFT_WINDOW_SIZE: '300', DRIFT_MIN_ROWS: '100' };
    replicas.push(...(await Promise.all(Array.from({ length: REPLICAS }, () => spawnServer(env)))));
    const config = fleetPrometheusConfig(
      await readFile(`${root}prometheus.yml`, 'utf8'),
      replicas.map((r) => r.port),
      alertmanager.port,
    );
    prometheus = await startPrometheus(config, {
      files: { 'alert-rules.yml': fleetRules(await readFile(`${root}alert-rules.yml`, 'utf8')) },
    });
  }, 120_000);

  afterAll(async () => {
    await prometheus?.stop();
    for (const replica of replicas) replica.child.kill('SIGKILL');
    await alertmanager?.stop();
    await sink?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  // Three phases, each waiting on a 20 s rule window: longer than the tier's 90 s on a busy machine.
  it('(a) summed bin counts equal the CLI counts of the same rows exactly; (b) fleet PSI equals the CLI PSI within the extrapolation bound; (c) drift -> one FleetFeatureDrift notification, per-replica alerts inhibited; clean traffic -> resolved', async () => {
    // Every replica scraped with its counters at 0 for 20 s before any traffic: each
    // replica's sampled interval then spans at least 20 s, which keeps the extrapolation factors
    // f_i = 1 + (last sample to window end) / (sampled interval) close together (eps <= 1.1 s / 18 s).
    await prometheus.waitFor(
      `count_over_time(ml_drift_bin_rows_total{job="ml-service",feature_name="amount",bin="q00"}[${WINDOW_1H}]) >= 20`,
      (s) => s.length === REPLICAS,
      'every replica scraped at zero for 20 s',
    );

    // ---- (a) The known set: 1,500 reference rows, age omitted from every 50th (the missing bin).
    const known = referenceRows.slice(0, 1500).map((row, i) => {
      if (i % 50 !== 0) return row;
      const { age: _age, ...rest } = row;
      return rest;
    });
    const sentTo = await send(known);
    const csv = join(dir, 'known.csv');
    const cell = (v: number | string | undefined) => (v === undefined ? '' : String(v));
    await writeFile(csv, [features.join(','), ...known.map((row) => features.map((f) => cell(row[f])).join(','))].join('\n') + '\n');
    const cli = spawnSync(process.execPath, [BIN, 'drift', '--model-dir', MODEL_DIR, '--current', csv], { encoding: 'utf8' });
    expect(cli.status, cli.stderr).toBe(0);
    const offline = (JSON.parse(cli.stdout) as CliBins).bins;

    // A rule evaluation after every replica's last scrape of the known rows, whose window still
    // holds each replica's zero sample.
    let evaluatedAt = 0;
    await poll(
      async () => {
        const [psi] = await prometheus.query(`timestamp(ml:drift_psi:1h{feature_name="amount"})`);
        if (!psi) return false;
        evaluatedAt = Number(psi.value[1]);
        const [total] = await queryAt(`sum(ml_drift_bin_rows_total{job="ml-service",feature_name="amount"})`, evaluatedAt);
        return Number(total?.value[1]) === known.length;
      },
      { deadlineMs: 15_000, what: 'a fleet PSI evaluated after the last scrape of the known rows', intervalMs: 250 },
    );
    const firstInWindow = await queryAt(
      `sum by (instance) (min_over_time(ml_drift_bin_rows_total{job="ml-service"}[${WINDOW_1H}]))`,
      evaluatedAt,
    );
    expect(
      firstInWindow.map((s) => Number(s.value[1])),
      'each replica has a zero sample inside the window',
    ).toEqual([0, 0, 0]);

    const summed = await queryAt(`sum by (feature_name, bin) (ml_drift_bin_rows_total{job="ml-service"})`, evaluatedAt);
    const prometheusCounts = Object.fromEntries(summed.map((s) => [`${s.metric['feature_name']}/${s.metric['bin']}`, Number(s.value[1])]));
    const cliCounts = Object.fromEntries(
      Object.entries(offline).flatMap(([feature, f]) => f.bins.map((b) => [`${feature}/${b.bin}`, b.count] as const)),
    );
    expect(prometheusCounts).toEqual(cliCounts);
    expect(Object.keys(cliCounts)).toHaveLength(108);
    expect(cliCounts['age/missing']).toBe(30);
    // Every replica took part.
    const perReplica = await queryAt(`sum by (instance) (ml_drift_bin_rows_total{job="ml-service",feature_name="amount"})`, evaluatedAt);
    expect(new Map(perReplica.map((s) => [s.metric['instance'], Number(s.value[1])]))).toEqual(sentTo);

    // ---- (b) Fleet PSI against the CLI's, within the bound of the measured extrapolation factors.
    const increases = await queryAt(
      `sum by (instance) (increase(ml_drift_bin_rows_total{job="ml-service",feature_name="amount"}[${WINDOW_1H}]))`,
      evaluatedAt,
    );
    const exact = new Map(perReplica.map((s) => [s.metric['instance'], Number(s.value[1])]));
    const factors = increases.map((s) => Number(s.value[1]) / exact.get(s.metric['instance'])!);
    const eps = Math.max(...factors) / Math.min(...factors) - 1;
    const fill = (x: number) => (x === 0 ? 1e-4 : x);
    const term = (r: number, q: number) => (fill(r) - fill(q)) * Math.log(fill(r) / fill(q));
    const recorded = await queryAt('ml:drift_psi:1h', evaluatedAt);
    expect(recorded.map((s) => s.metric['feature_name']).sort()).toEqual([...features].sort());
    const report: string[] = [];
    for (const sample of recorded) {
      const feature = offline[sample.metric['feature_name']!]!;
      const bound =
        feature.bins
          .filter((b) => b.bin !== 'missing' && b.ratio! > 0)
          .reduce((sum, b) => {
            const base = term(b.reference_ratio, b.ratio!);
            return (
              sum +
              Math.max(
                Math.abs(term(b.reference_ratio, b.ratio! * (1 + eps)) - base),
                Math.abs(term(b.reference_ratio, b.ratio! / (1 + eps)) - base),
              )
            );
          }, 0) + 1e-12;
      const difference = Math.abs(Number(sample.value[1]) - feature.psi!);
      report.push(
        `${sample.metric['feature_name']}: prometheus ${sample.value[1]} cli ${feature.psi} |diff| ${difference.toExponential(2)} bound ${bound.toExponential(2)}`,
      );
      expect(difference, sample.metric['feature_name']).toBeLessThanOrEqual(bound);
    }
    console.log(
      `fleet PSI vs CLI, extrapolation factors ${factors.map((f) => f.toFixed(6)).join(', ')} (eps ${eps.toExponential(2)}):\n${report.join('\n')}`,
    );

    // ---- (c) Tripled amounts -> FleetFeatureDrift once; the per-replica duplicates inhibited.
    const tripled = referenceRows.slice(1500, 2700).map((row) => applyShifts(row, [parseShift('amount:*3')]));
    await send(tripled);
    const firing = await sink.waitFor(
      (d) => isSlack(d) && text(d).includes('FleetFeatureDrift') && text(d).includes('[FIRING'),
      'Slack message for FleetFeatureDrift firing',
      30_000,
    );
    expect(text(firing)).toContain('feature amount drifted across the fleet');
    expect(text(firing)).toContain('docs/runbooks/FleetFeatureDrift.md');
    // While it fires, every fleet expression of the dashboards and every fleet recording rule returns data.
    const fleetExpressions = [
      ...loadDashboards()
        .flatMap(dashboardExpressions)
        .filter((expr) => /ml:drift_|ml_drift_(bin|reference)/.test(expr))
        .map((expr) => expr.replace(/\$\{?(model_name|model_version|feature_name)\}?/g, '.*')),
      ...((parse(await readFile(`${root}alert-rules.yml`, 'utf8')) as Yaml)['groups'] as Yaml[])
        .filter((g) => g['name'] === 'ml-service-fleet-drift')
        .flatMap((g) => (g['rules'] as Yaml[]).flatMap((r) => (r['record'] ? [r['record'] as string] : []))),
    ];
    expect(fleetExpressions.length).toBeGreaterThan(15);
    const empty: string[] = [];
    for (const expr of fleetExpressions) if ((await prometheus.query(expr)).length === 0) empty.push(expr);
    expect(empty).toEqual([]);
    // All three replicas' own alert fires for amount, and Alertmanager holds them inhibited.
    await prometheus.waitFor(
      'ALERTS{alertname="FeatureDriftDetected",alertstate="firing",feature_name="amount"}',
      (s) => s.length === REPLICAS,
      'FeatureDriftDetected firing on every replica',
    );
    await poll(
      async () => {
        const alerts = (await (await fetch(`${alertmanager.url}/api/v2/alerts?filter=alertname%3D%22FeatureDriftDetected%22`)).json()) as {
          labels: Record<string, string>;
          status: { state: string; inhibitedBy: string[] };
        }[];
        const amount = alerts.filter((a) => a.labels['feature_name'] === 'amount');
        return amount.length === REPLICAS && amount.every((a) => a.status.state === 'suppressed' && a.status.inhibitedBy.length > 0);
      },
      { deadlineMs: 15_000, what: 'Alertmanager: the three FeatureDriftDetected of amount suppressed by an inhibition', intervalMs: 250 },
    );

    // Clean traffic until the drifted rows have left the fleet window and the alert resolves.
    let next = 2700;
    const resolved = await poll(
      async () => {
        const done = sink.deliveries.find((d) => isSlack(d) && text(d).includes('FleetFeatureDrift') && text(d).includes('[RESOLVED'));
        if (done) return done;
        await send(
          Array.from({ length: 300 }, () => referenceRows[next++ % referenceRows.length]!),
          [25],
        );
        return undefined;
      },
      { deadlineMs: 60_000, what: 'Slack message for FleetFeatureDrift resolved, under clean traffic', intervalMs: 500 },
    );
    expect(resolved.at).toBeGreaterThan(firing.at);
    const about = (name: string) => sink.deliveries.filter((d) => text(d).includes(name));
    expect(about('FleetFeatureDrift').filter((d) => isSlack(d) && text(d).includes('[FIRING'))).toHaveLength(1);
    const timeline = () =>
      sink.deliveries
        .map(
          (d) =>
            `${d.at - firing.at} ms ${d.path} ${JSON.stringify((d.body as { attachments?: { title?: string }[] }).attachments?.[0]?.title ?? d.body)}`,
        )
        .join('\n');
    expect(about('FeatureDriftDetected'), timeline()).toEqual([]);
    expect(about('DatasetDriftDetected'), timeline()).toEqual([]);
  }, 150_000);
});
