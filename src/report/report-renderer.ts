import { Worker } from 'node:worker_threads';
import type { ReportInput } from './report-input.js';
import type { RenderRequest, RenderResponse } from './report-worker.js';

/**
 * Renders report pages in a worker thread, started on the first request (a service nobody asks
 * for a report never loads Vega) and replaced if it crashes or overruns `timeoutMs`.
 */
export interface ReportRenderer {
  render(input: ReportInput): Promise<string>;
  /** Terminate the worker; pending renders reject. Idempotent. */
  close(): Promise<void>;
}

/** As drift/job.ts starts its worker: from TypeScript sources, register tsx in the worker first. */
function startReportWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./report-worker.js', import.meta.url));
  const entry = JSON.stringify(new URL('./report-worker.ts', import.meta.url).href);
  return new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${entry}); });`, { eval: true });
}

export function createReportRenderer(options: { readonly timeoutMs?: number } = {}): ReportRenderer {
  const timeoutMs = options.timeoutMs ?? 30_000;
  let worker: Worker | undefined;
  let closed = false;
  let nextId = 0;
  const pending = new Map<number, { resolve: (html: string) => void; reject: (err: Error) => void }>();

  const failAll = (message: string) => {
    const settles = [...pending.values()];
    pending.clear();
    for (const { reject } of settles) reject(new Error(message));
  };

  const start = (): Worker => {
    const thread = startReportWorker();
    thread.unref();
    thread.on('message', (response: RenderResponse) => {
      const settle = pending.get(response.id);
      if (!settle) return;
      pending.delete(response.id);
      if ('error' in response) settle.reject(new Error(`report rendering failed: ${response.error}`));
      else settle.resolve(response.html);
    });
    thread.on('error', (err: Error) => {
      if (worker === thread) worker = undefined;
      failAll(`report worker crashed: ${err.message}`);
    });
    thread.on('exit', (code) => {
      if (worker === thread) worker = undefined;
      failAll(`report worker exited with code ${code}`);
    });
    return thread;
  };

  return {
    render(input) {
      if (closed) return Promise.reject(new Error('report renderer closed'));
      const thread = (worker ??= start());
      const id = nextId++;
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => {
          if (worker === thread) worker = undefined;
          failAll(`report rendering took longer than ${timeoutMs} ms; worker replaced`);
          void thread.terminate();
        }, timeoutMs);
        timer.unref();
        pending.set(id, {
          resolve: (html) => {
            clearTimeout(timer);
            resolve(html);
          },
          reject: (err) => {
            clearTimeout(timer);
            reject(err);
          },
        });
        const request: RenderRequest = { id, input };
        thread.postMessage(request);
      });
    },
    async close() {
      closed = true;
      const thread = worker;
      worker = undefined;
      if (thread) await thread.terminate();
      failAll('report renderer closed');
    },
  };
}
