/**
 * npm run stack [-- --fast]
 *
 * The operations stack without Docker: the service, and (when installed) a real Prometheus with
 * the repository's prometheus.yml and alert-rules.yml and a real Alertmanager with its routing
 * tree, on loopback. Slack and PagerDuty notifications go to a local receiver that prints them,
 * unless secrets/slack_webhook_url and secrets/pagerduty_routing_key exist. `--fast` shortens
 * `for:` durations and drift windows to seconds (as the end-to-end test does) for a demo with
 * `npm run simulate -- --drift amount:*3`. Ctrl-C stops everything. State lives in .stack/.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fastAlertmanagerConfig, fastPrometheusConfig, fastRules } from './stack/native-config.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { fast: { type: 'boolean', default: false } } });
const PORTS = { service: 8000, prometheus: 9090, alertmanager: 9093, sink: 9099 };
const state = join(root, '.stack');
const has = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
const children: ChildProcess[] = [];

function start(name: string, command: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-4000)));
  child.on('exit', (code) => {
    if (!stopping) console.error(`${name} exited with code ${code}:\n${err}`);
  });
  children.push(child);
  return child;
}

async function waitReady(name: string, url: string) {
  const deadline = Date.now() + 30_000;
  while (!(await fetch(url).then((r) => r.ok, () => false))) {
    if (Date.now() > deadline) throw new Error(`${name} not ready at ${url}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

let stopping = false;
const stop = () => {
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

if (!existsSync(join(root, 'dist/server.js'))) spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
await rm(state, { recursive: true, force: true });
await mkdir(state, { recursive: true });

start('ml-service', process.execPath, ['--enable-source-maps', '--import', './dist/telemetry/instrumentation.js', 'dist/server.js'], {
  PORT: String(PORTS.service),
  HOST: '127.0.0.1',
  ...(values.fast && { DRIFT_INTERVAL_SECONDS: '2', DRIFT_WINDOW_SIZE: '500' }),
  // Traces need a collector (Tempo in docker-compose.yml); set OTEL_EXPORTER_OTLP_ENDPOINT to use one.
  OTEL_SDK_DISABLED: process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] ? 'false' : 'true',
});
await waitReady('ml-service', `http://127.0.0.1:${PORTS.service}/ready`);
const urls = [`ml-service    http://127.0.0.1:${PORTS.service}  (/predict, /metrics, /drift)`];

if (has('prometheus-alertmanager')) {
  const secrets = join(root, 'secrets');
  const real = existsSync(join(secrets, 'slack_webhook_url')) && existsSync(join(secrets, 'pagerduty_routing_key'));
  let config = await readFile(join(root, 'alertmanager.yml'), 'utf8');
  if (!real) {
    // A local receiver stands in for Slack and PagerDuty and prints what they would get.
    createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const json = JSON.parse(body || '{}') as { attachments?: { title?: string }[]; payload?: { summary?: string }; event_action?: string };
        const line = req.url?.startsWith('/pagerduty') ? `PagerDuty ${json.event_action}: ${json.payload?.summary}` : `Slack: ${json.attachments?.[0]?.title}`;
        console.log(`[notification] ${line}`);
        res.writeHead(200).end('ok');
      });
    }).listen(PORTS.sink, '127.0.0.1');
    await writeFile(join(state, 'slack_webhook_url'), `http://127.0.0.1:${PORTS.sink}/slack\n`);
    await writeFile(join(state, 'pagerduty_routing_key'), 'local-demo\n');
    config = fastAlertmanagerConfig(config, { slackUrlFile: join(state, 'slack_webhook_url'), routingKeyFile: join(state, 'pagerduty_routing_key') }, `http://127.0.0.1:${PORTS.sink}`);
  } else {
    config = config.replaceAll('/run/secrets/', `${secrets}/`);
  }
  await writeFile(join(state, 'alertmanager.yml'), config);
  start('alertmanager', 'prometheus-alertmanager', [
    `--config.file=${join(state, 'alertmanager.yml')}`,
    `--storage.path=${join(state, 'alertmanager')}`,
    `--web.listen-address=127.0.0.1:${PORTS.alertmanager}`,
    '--cluster.listen-address=',
  ]);
  await waitReady('alertmanager', `http://127.0.0.1:${PORTS.alertmanager}/-/ready`);
  urls.push(`Alertmanager  http://127.0.0.1:${PORTS.alertmanager}${real ? '' : `  (notifications printed here, receiver on :${PORTS.sink})`}`);
} else {
  console.warn('prometheus-alertmanager not installed: apt-get install -y --no-install-recommends prometheus-alertmanager');
}

if (has('prometheus')) {
  const rules = await readFile(join(root, 'alert-rules.yml'), 'utf8');
  await writeFile(join(state, 'alert-rules.yml'), values.fast ? fastRules(rules) : rules);
  await writeFile(
    join(state, 'prometheus.yml'),
    fastPrometheusConfig(await readFile(join(root, 'prometheus.yml'), 'utf8'), PORTS.service, PORTS.alertmanager),
  );
  start('prometheus', 'prometheus', [
    `--config.file=${join(state, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(state, 'prometheus')}`,
    `--web.listen-address=127.0.0.1:${PORTS.prometheus}`,
    '--enable-feature=exemplar-storage',
  ]);
  await waitReady('prometheus', `http://127.0.0.1:${PORTS.prometheus}/-/ready`);
  urls.push(`Prometheus    http://127.0.0.1:${PORTS.prometheus}  (alerts: /alerts)`);
} else {
  console.warn('prometheus not installed: apt-get install -y --no-install-recommends prometheus');
}

console.log(`\nnative stack up (${values.fast ? 'fast: for: 2s, drift every 2 s' : 'rules as committed'}):\n  ${urls.join('\n  ')}`);
console.log('\ntry: npm run simulate -- --rate 200 --duration 30 --drift amount:*3\nCtrl-C stops everything.');
