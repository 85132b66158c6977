import { parentPort } from 'node:worker_threads';
import { renderReport } from './render-report.js';
import type { ReportInput } from './report-input.js';

/**
 * The service's report worker: Vega loads and renders here, off the service's event loop
 * (report-renderer.ts owns it). One request at a time, in the order they arrive.
 */
export interface RenderRequest {
  readonly id: number;
  readonly input: ReportInput;
}
export type RenderResponse = { readonly id: number; readonly html: string } | { readonly id: number; readonly error: string };

let queue = Promise.resolve();
parentPort!.on('message', (request: RenderRequest) => {
  queue = queue.then(async () => {
    let response: RenderResponse;
    try {
      response = { id: request.id, html: await renderReport(request.input) };
    } catch (err) {
      response = { id: request.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
    }
    parentPort!.postMessage(response);
  });
});
