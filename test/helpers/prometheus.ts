import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { poll } from './poll.js';

/** A loopback port nobody listens on right now (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface PromExemplarSeries {
  seriesLabels: Record<string, string>;
  exemplars: { labels: Record<string, string>; value: string; timestamp: number }[];
}

export interface RunningPrometheus {
  readonly url: string;
  readonly dir: string;
  query(expr: string): Promise<PromSample[]>;
  exemplars(expr: string, startSeconds: number, endSeconds: number): Promise<PromExemplarSeries[]>;
  /** Polls `query` until `predicate` holds (Prometheus has no push API to wait on), with a deadline. */
  waitFor(expr: string, predicate: (samples: PromSample[]) => boolean, what: string, deadlineMs?: number): Promise<PromSample[]>;
  log(): string;
  stop(): Promise<void>;
}

async function api<T>(url: string): Promise<T> {
  const response = await fetch(url);
  const body = (await response.json()) as { status: string; data: T; error?: string };
  if (body.status !== 'success') throw new Error(`Prometheus API ${url}: ${body.error ?? response.status}`);
  return body.data;
}

/**
 * Start `prometheus` on a loopback port with `config` (YAML text) and any extra files (rule files)
 * written beside it in a temporary directory, and wait until it is ready. stop() removes the
 * directory (as does a failed start).
 */
export async function startPrometheus(
  config: string,
  options: { files?: Record<string, string>; flags?: string[]; deadlineMs?: number } = {},
): Promise<RunningPrometheus> {
  const dir = await mkdtemp(join(tmpdir(), 'ml-service-prom-'));
  let output = '';
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const stop = async () => {
    child?.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await writeFile(join(dir, 'prometheus.yml'), config);
    for (const [name, text] of Object.entries(options.files ?? {})) await writeFile(join(dir, name), text);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const started = spawn(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--web.enable-lifecycle',
        ...(options.flags ?? []),
      ],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = started;
    started.stdout.on('data', (c: Buffer) => (output += c.toString()));
    started.stderr.on('data', (c: Buffer) => (output += c.toString()));
    exited = new Promise<void>((resolve) => started.on('close', () => resolve()));
    await poll(
      async () => {
        if (started.exitCode !== null) throw new Error(`prometheus exited at startup: ${output}`);
        return fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
      },
      { deadlineMs: options.deadlineMs ?? 30_000, what: 'prometheus ready', detail: () => output },
    );

    const query = async (expr: string) =>
      (await api<{ result: PromSample[] }>(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`)).result;
    return {
      url,
      dir,
      query,
      exemplars: (expr, start, end) =>
        api<PromExemplarSeries[]>(`${url}/api/v1/query_exemplars?query=${encodeURIComponent(expr)}&start=${start}&end=${end}`),
      async waitFor(expr, predicate, what, deadlineMs = 30_000) {
        let last: PromSample[] = [];
        return poll(
          async () => {
            last = await query(expr);
            return predicate(last) ? last : undefined;
          },
          {
            deadlineMs,
            what: `Prometheus: ${what}`,
            intervalMs: 250,
            detail: () => `last result of ${expr}: ${JSON.stringify(last)}\n${output.slice(-2000)}`,
          },
        );
      },
      log: () => output,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
