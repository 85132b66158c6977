import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fastAlertmanagerConfig } from '../../scripts/stack/native-config.js';
import { alertmanagerBinary } from './binaries.js';
import { startLoopbackBinary, type RunningBinary } from './loopback-binary.js';

export interface Delivery {
  readonly path: string;
  readonly body: Record<string, unknown>;
  readonly at: number;
}

/** A local HTTP receiver standing in for Slack and PagerDuty: records every POST by path. */
export interface WebhookSink {
  readonly url: string;
  readonly deliveries: Delivery[];
  waitFor(predicate: (d: Delivery) => boolean, what: string, deadlineMs?: number): Promise<Delivery>;
  close(): Promise<void>;
}

export async function startWebhookSink(): Promise<WebhookSink> {
  const deliveries: Delivery[] = [];
  const waiters: { predicate: (d: Delivery) => boolean; resolve: (d: Delivery) => void }[] = [];
  const read = (req: IncomingMessage) =>
    new Promise<string>((resolve) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => resolve(text));
    });
  const receive = async (req: IncomingMessage, res: ServerResponse) => {
    const text = await read(req);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = { unparsed: text };
    }
    const delivery = { path: req.url ?? '', body, at: Date.now() };
    deliveries.push(delivery);
    for (const waiter of [...waiters]) {
      if (waiter.predicate(delivery)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(delivery);
      }
    }
    // Slack answers "ok"; PagerDuty's Events API v2 answers 202 with a JSON status.
    if (req.url?.startsWith('/pagerduty'))
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"success","message":"Event processed"}');
    else res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  };
  // (read() never rejects: the request stream's errors end the connection, not the receiver.)
  const server = createServer((req, res) => void receive(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    deliveries,
    waitFor: (predicate, what, deadlineMs = 60_000) =>
      new Promise<Delivery>((resolve, reject) => {
        const seen = deliveries.find(predicate);
        if (seen) return resolve(seen);
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `webhook sink: no ${what} within ${deadlineMs} ms; got ${JSON.stringify(deliveries.map((d) => [d.path, d.body['status'] ?? d.body['text'] ?? '']))}`,
              ),
            ),
          deadlineMs,
        );
        waiters.push({ predicate, resolve: (d) => (clearTimeout(timer), resolve(d)) });
      }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type RunningAlertmanager = RunningBinary;

/**
 * Start Alertmanager (Debian's `prometheus-alertmanager` or upstream's `alertmanager`) with
 * `config` (YAML text), clustering off. `files` are written beside the config; `__DIR__` in the
 * config stands for that directory, which stop() removes (as does a failed start).
 */
export async function startAlertmanager(config: string, files: Record<string, string> = {}): Promise<RunningAlertmanager> {
  return startLoopbackBinary({
    command: alertmanagerBinary(),
    name: 'alertmanager',
    files: (dir) => ({ 'alertmanager.yml': config.replaceAll('__DIR__', dir), ...files }),
    args: (dir, port) => [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
    ],
  });
}

/**
 * Start Alertmanager with the repository's alertmanager.yml made fast (fastAlertmanagerConfig),
 * every receiver posting to `sink`: the Slack webhook URL and the PagerDuty routing key are
 * secret files beside the rewritten config, in the helper's temporary directory.
 */
export async function startRepoAlertmanager(sink: WebhookSink): Promise<RunningAlertmanager> {
  const secrets = { slack_webhook_url: `${sink.url}/slack\n`, pagerduty_routing_key: 'test-routing-key\n' };
  const placeholder = { slackUrlFile: '__DIR__/slack_webhook_url', routingKeyFile: '__DIR__/pagerduty_routing_key' };
  const text = await readFile(fileURLToPath(new URL('../../alertmanager.yml', import.meta.url)), 'utf8');
  return startAlertmanager(fastAlertmanagerConfig(text, placeholder, sink.url), secrets);
}
