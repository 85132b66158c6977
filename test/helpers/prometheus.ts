import { join } from 'node:path';
import { binary } from './binaries.js';
import { startLoopbackBinary } from './loopback-binary.js';
import { poll } from './poll.js';

export { freePort } from './loopback-binary.js';

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
  const running = await startLoopbackBinary({
    command: binary('prometheus'),
    name: 'prometheus',
    files: () => ({ 'prometheus.yml': config, ...options.files }),
    args: (dir, port) => [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-lifecycle',
      ...(options.flags ?? []),
    ],
    ...(options.deadlineMs !== undefined && { deadlineMs: options.deadlineMs }),
  });
  const { url, dir } = running;
  const output = () => running.log();
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
          detail: () => `last result of ${expr}: ${JSON.stringify(last)}\n${output().slice(-2000)}`,
        },
      );
    },
    log: output,
    stop: running.stop,
  };
}
