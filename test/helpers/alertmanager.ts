import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alertmanagerBinary } from './binaries.js';
import { poll } from './poll.js';
import { freePort } from './prometheus.js';

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
    if (req.url?.startsWith('/pagerduty')) res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"success","message":"Event processed"}');
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
          () => reject(new Error(`webhook sink: no ${what} within ${deadlineMs} ms; got ${JSON.stringify(deliveries.map((d) => [d.path, d.body['status'] ?? d.body['text'] ?? '']))}`)),
          deadlineMs,
        );
        waiters.push({ predicate, resolve: (d) => (clearTimeout(timer), resolve(d)) });
      }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface RunningAlertmanager {
  readonly url: string;
  readonly port: number;
  log(): string;
  stop(): Promise<void>;
}

/**
 * Start Alertmanager (Debian's `prometheus-alertmanager` or upstream's `alertmanager`) with
 * `config` (YAML text), clustering off. `files` are written beside the config; `__DIR__` in the
 * config stands for that directory, which stop() removes (as does a failed start).
 */
export async function startAlertmanager(config: string, files: Record<string, string> = {}): Promise<RunningAlertmanager> {
  const dir = await mkdtemp(join(tmpdir(), 'ml-service-am-'));
  let output = '';
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const stop = async () => {
    child?.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await writeFile(join(dir, 'alertmanager.yml'), config.replaceAll('__DIR__', dir));
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    const port = await freePort();
    const started = spawn(
      alertmanagerBinary(),
      [`--config.file=${join(dir, 'alertmanager.yml')}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = started;
    started.stdout.on('data', (c: Buffer) => (output += c.toString()));
    started.stderr.on('data', (c: Buffer) => (output += c.toString()));
    exited = new Promise<void>((resolve) => started.on('close', () => resolve()));
    const url = `http://127.0.0.1:${port}`;
    await poll(
      async () => {
        if (started.exitCode !== null) throw new Error(`alertmanager exited at startup: ${output}`);
        return fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
      },
      { deadlineMs: 30_000, what: 'alertmanager ready', detail: () => output },
    );
    return { url, port, log: () => output, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
