/**
 * npm run stack [-- --fast] (options: USAGE below)
 *
 * The operations stack without Docker: the service, and (when installed) a real Prometheus with
 * the repository's prometheus.yml and alert-rules.yml and a real Alertmanager with its routing
 * tree, on loopback. Slack and PagerDuty notifications go to a local receiver that prints them,
 * unless secrets/slack_webhook_url and secrets/pagerduty_routing_key exist.
 *
 * The children run in process groups of their own, so a Ctrl-C in the terminal reaches only this
 * process, which stops them all (each within STOP_DEADLINE_MS), closes the receiver and exits.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { HELP_OPTION, parseCommandLine, UsageError } from '../src/cli/command-line.js';
import { ALERTMANAGER_NAMES, findBinary, INSTALL_RUNTIMES } from './runtimes.js';
import { fastAlertmanagerConfig, fastPrometheusConfig, fastRules } from './stack/native-config.js';

/** Each child's time to stop after SIGTERM before it gets SIGKILL. */
const STOP_DEADLINE_MS = 10_000;
const READY_DEADLINE_MS = 30_000;

const USAGE = `usage: npm run stack [-- [--fast] [--service-port 8000] [--prometheus-port 9090]
                        [--alertmanager-port 9093] [--receiver-port 9099] [--state-dir .stack]]
       npm run stack -- --help

Starts the service and, when installed, Prometheus (prometheus.yml, alert-rules.yml) and
Alertmanager (alertmanager.yml) on 127.0.0.1, and prints their URLs. Prometheus and Alertmanager
are taken from .runtimes/bin (bash scripts/install-runtimes.sh) before PATH. Slack and PagerDuty
notifications go to a local receiver that prints them, unless secrets/slack_webhook_url and
secrets/pagerduty_routing_key exist. --fast shortens for: durations and drift windows to seconds,
for a demo with: npm run simulate -- --drift amount:*3. Generated configs and the Prometheus and
Alertmanager data live in --state-dir (its prometheus/ and alertmanager/ are emptied on start).

Ctrl-C (SIGINT), SIGTERM or SIGHUP stops everything: exit 0. A part that exits once the stack is
up is reported and the rest keeps running. Exit 1 when a part fails to start or has to be killed
${STOP_DEADLINE_MS / 1000} s after SIGTERM; 2 on a bad command line.`;

const root = fileURLToPath(new URL('..', import.meta.url));

function parseOptions() {
  try {
    const { values } = parseCommandLine(
      {
        options: {
          ...HELP_OPTION,
          fast: { type: 'boolean', default: false },
          'service-port': { type: 'string', default: '8000' },
          'prometheus-port': { type: 'string', default: '9090' },
          'alertmanager-port': { type: 'string', default: '9093' },
          'receiver-port': { type: 'string', default: '9099' },
          'state-dir': { type: 'string', default: join(root, '.stack') },
        },
      },
      'npm run stack -- --help',
    );
    for (const name of ['service-port', 'prometheus-port', 'alertmanager-port', 'receiver-port'] as const) {
      const port = Number(values[name]);
      if (!Number.isInteger(port) || port < 1 || port > 65_535)
        throw new UsageError(`--${name} must be a port number (1-65535), got ${JSON.stringify(values[name])}`);
    }
    return values;
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`stack: ${err.message}`);
    process.exit(2);
  }
}
const values = parseOptions();
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const PORTS = {
  service: Number(values['service-port']),
  prometheus: Number(values['prometheus-port']),
  alertmanager: Number(values['alertmanager-port']),
  receiver: Number(values['receiver-port']),
};
const state = resolve(values['state-dir']);
/** .runtimes/bin (bash scripts/install-runtimes.sh: the versions docker-compose.yml runs) first, then PATH. */
const alertmanagerBin = findBinary(ALERTMANAGER_NAMES);
const prometheusBin = findBinary(['prometheus']);

interface Part {
  readonly name: string;
  readonly child: ChildProcess;
  /** Resolves once the process has exited (or could not be spawned). */
  readonly exited: Promise<Ended>;
}
interface Ended {
  readonly how: string;
  /** The end of its stderr, as its own lines after a colon, or ''. */
  readonly stderr: string;
}
const parts: Part[] = [];
let receiver: Server | undefined;
const stopping = new AbortController();
let isUp = false;
let shutdown: Promise<never> | undefined;

/** Stop every part, close the receiver, exit. Idempotent: a second signal waits for the first. */
function shutDown(code: number): Promise<never> {
  shutdown ??= (async () => {
    stopping.abort();
    const inTime = await Promise.all(parts.map(stopPart));
    if (receiver) {
      const server = receiver;
      await new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      });
    }
    process.exit(inTime.every(Boolean) ? code : 1);
  })();
  return shutdown;
}

async function stopPart(part: Part): Promise<boolean> {
  if (part.child.exitCode === null && part.child.signalCode === null) part.child.kill('SIGTERM');
  const inTime = await Promise.race([part.exited.then(() => true), sleep(STOP_DEADLINE_MS, false, { ref: false })]);
  if (!inTime) {
    console.error(`stack: ${part.name} did not stop within ${STOP_DEADLINE_MS} ms of SIGTERM; killing it`);
    part.child.kill('SIGKILL');
    await part.exited;
  }
  return inTime;
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void shutDown(0));

function start(name: string, command: string, args: string[], env: Record<string, string> = {}): Part {
  if (stopping.signal.aborted) throw new Error(`not starting ${name}: stopping`);
  // detached: a process group of its own, so the terminal's Ctrl-C does not race our shutdown.
  const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-4000)));
  const exited = new Promise<Ended>((resolveExit) => {
    const onEnd = (how: string) => {
      const ended = { how, stderr: err ? `:\n${err.trimEnd()}` : '' };
      // Before the stack is up, waitReady reports it. After, the rest keeps running: with the
      // service gone, its alerts (MLServiceDown) can still be watched firing.
      if (isUp && !stopping.signal.aborted) console.error(`stack: ${name} ${how} (the rest keeps running; Ctrl-C stops it)${ended.stderr}`);
      resolveExit(ended);
    };
    child.once('exit', (code, signal) => onEnd(`exited with ${signal ?? `code ${code}`}`));
    child.once('error', (error) => onEnd(`could not be started (${error.message})`));
  });
  const part = { name, child, exited };
  parts.push(part);
  return part;
}

/** Poll `url` until it answers 2xx; fails when the part exits, the stack stops or the deadline passes. */
async function waitReady(part: Part, url: string) {
  let ended: Ended | undefined;
  void part.exited.then((e) => (ended = e));
  const deadline = Date.now() + READY_DEADLINE_MS;
  for (;;) {
    const signal = AbortSignal.any([stopping.signal, AbortSignal.timeout(1000)]);
    if (
      await fetch(url, { signal }).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    if (ended) throw new Error(`${part.name} ${ended.how} before it was ready${ended.stderr}`);
    if (stopping.signal.aborted) throw new Error(`${part.name}: stopped before it was ready`);
    if (Date.now() > deadline) throw new Error(`${part.name} not ready at ${url} within ${READY_DEADLINE_MS} ms`);
    await sleep(200, undefined, { signal: stopping.signal }).catch(() => undefined);
  }
}

/** Stands in for Slack and PagerDuty and prints what they would get. */
async function startReceiver(port: number): Promise<Server> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      let json: { attachments?: { title?: string }[]; payload?: { summary?: string }; event_action?: string } = {};
      try {
        json = JSON.parse(body || '{}') as typeof json;
      } catch {
        // Printed as it came: the point is to see what Alertmanager sent.
      }
      const line = req.url?.startsWith('/pagerduty')
        ? `PagerDuty ${json.event_action}: ${json.payload?.summary}`
        : `Slack: ${json.attachments?.[0]?.title ?? body}`;
      console.log(`[notification] ${line}`);
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((listening, failed) => {
    server.once('error', (err) => failed(new Error(`notification receiver: cannot listen on 127.0.0.1:${port}: ${err.message}`)));
    server.listen(port, '127.0.0.1', listening);
  });
  return server;
}

async function up(): Promise<string[]> {
  if (!existsSync(join(root, 'dist/server.js'))) spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  await mkdir(state, { recursive: true });
  await rm(join(state, 'prometheus'), { recursive: true, force: true });
  await rm(join(state, 'alertmanager'), { recursive: true, force: true });

  const service = start(
    'ml-service',
    process.execPath,
    ['--enable-source-maps', '--import', './dist/telemetry/instrumentation.js', 'dist/server.js'],
    {
      PORT: String(PORTS.service),
      HOST: '127.0.0.1',
      // No load balancer to drain from: stop at once.
      DRAIN_DELAY_MS: '0',
      ...(values.fast && { DRIFT_INTERVAL_SECONDS: '2', DRIFT_WINDOW_SIZE: '500' }),
      // Traces need a collector (Tempo in docker-compose.yml); set OTEL_EXPORTER_OTLP_ENDPOINT to use one.
      OTEL_SDK_DISABLED: process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] ? 'false' : 'true',
    },
  );
  await waitReady(service, `http://127.0.0.1:${PORTS.service}/ready`);
  const urls = [`ml-service    http://127.0.0.1:${PORTS.service}  (/predict, /metrics, /drift)`];

  if (alertmanagerBin) {
    const secrets = join(root, 'secrets');
    const real = existsSync(join(secrets, 'slack_webhook_url')) && existsSync(join(secrets, 'pagerduty_routing_key'));
    let config = await readFile(join(root, 'alertmanager.yml'), 'utf8');
    if (!real) {
      receiver = await startReceiver(PORTS.receiver);
      await writeFile(join(state, 'slack_webhook_url'), `http://127.0.0.1:${PORTS.receiver}/slack\n`);
      await writeFile(join(state, 'pagerduty_routing_key'), 'local-demo\n');
      config = fastAlertmanagerConfig(
        config,
        { slackUrlFile: join(state, 'slack_webhook_url'), routingKeyFile: join(state, 'pagerduty_routing_key') },
        `http://127.0.0.1:${PORTS.receiver}`,
      );
    } else {
      config = config.replaceAll('/run/secrets/', `${secrets}/`);
    }
    await writeFile(join(state, 'alertmanager.yml'), config);
    const alertmanager = start('alertmanager', alertmanagerBin, [
      `--config.file=${join(state, 'alertmanager.yml')}`,
      `--storage.path=${join(state, 'alertmanager')}`,
      `--web.listen-address=127.0.0.1:${PORTS.alertmanager}`,
      '--cluster.listen-address=',
    ]);
    await waitReady(alertmanager, `http://127.0.0.1:${PORTS.alertmanager}/-/ready`);
    urls.push(
      `Alertmanager  http://127.0.0.1:${PORTS.alertmanager}${real ? '' : `  (notifications printed here, receiver on :${PORTS.receiver})`}`,
    );
  } else {
    console.warn(`alertmanager not installed: ${INSTALL_RUNTIMES} (Debian, Ubuntu), brew install alertmanager (macOS)`);
  }

  if (prometheusBin) {
    const rules = await readFile(join(root, 'alert-rules.yml'), 'utf8');
    await writeFile(join(state, 'alert-rules.yml'), values.fast ? fastRules(rules) : rules);
    await writeFile(
      join(state, 'prometheus.yml'),
      fastPrometheusConfig(await readFile(join(root, 'prometheus.yml'), 'utf8'), PORTS.service, PORTS.alertmanager),
    );
    const prometheus = start('prometheus', prometheusBin, [
      `--config.file=${join(state, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(state, 'prometheus')}`,
      `--web.listen-address=127.0.0.1:${PORTS.prometheus}`,
      '--enable-feature=exemplar-storage',
    ]);
    await waitReady(prometheus, `http://127.0.0.1:${PORTS.prometheus}/-/ready`);
    urls.push(`Prometheus    http://127.0.0.1:${PORTS.prometheus}  (alerts: /alerts)`);
  } else {
    console.warn(`prometheus not installed: ${INSTALL_RUNTIMES} (Debian, Ubuntu), brew install prometheus (macOS)`);
  }
  return urls;
}

try {
  const urls = await up();
  isUp = true;
  console.log(`\nnative stack up (${values.fast ? 'fast: for: 2s, drift every 2 s' : 'rules as committed'}):\n  ${urls.join('\n  ')}`);
  console.log('\ntry: npm run simulate -- --rate 200 --duration 30 --drift amount:*3\nCtrl-C stops everything.');
} catch (err) {
  // A failure caused by a shutdown already under way is not news.
  if (!stopping.signal.aborted) {
    console.error(`stack: ${(err as Error).message}\nstack: stopping`);
    await shutDown(1);
  }
}
