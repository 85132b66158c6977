import { parentPort, workerData } from 'node:worker_threads';
import { prepareModel, type ModelDriftOptions, type ModelReference, type PreparedModel } from './model-drift.js';
import type { WindowSnapshot } from './window.js';

/**
 * The drift worker: prepares every model's reference once, then evaluates window snapshots sent
 * by job.ts. Statistics over 10^4-10^5 values take tens of milliseconds: here they never delay
 * a request on the service's event loop.
 */
export interface WorkerInit {
  readonly references: readonly (ModelReference & { readonly key: string })[];
  readonly options: ModelDriftOptions;
}
export interface EvaluateRequest {
  readonly id: number;
  readonly key: string;
  readonly snapshot: WindowSnapshot;
}
export type EvaluateResponse =
  { readonly id: number; readonly report: ReturnType<PreparedModel['evaluate']> } | { readonly id: number; readonly error: string };

const init = workerData as WorkerInit;
const prepared = new Map(init.references.map((r) => [r.key, prepareModel(r, init.options)]));

parentPort!.on('message', (request: EvaluateRequest) => {
  let response: EvaluateResponse;
  try {
    const model = prepared.get(request.key);
    if (!model) throw new Error(`no reference prepared for ${request.key}`);
    response = { id: request.id, report: model.evaluate(request.snapshot) };
  } catch (err) {
    response = { id: request.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
  }
  parentPort!.postMessage(response);
});
