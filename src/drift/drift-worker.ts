import { parentPort, workerData } from 'node:worker_threads';
import { prepareModelDistributions, type ModelDistributions } from './distributions.js';
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
/**
 * The report and, for the HTML report, the distributions of the same snapshot (drift/distributions.ts):
 * measured here so that the charts show the rows the tests compared.
 */
export type EvaluateResponse =
  | { readonly id: number; readonly report: ReturnType<PreparedModel['evaluate']>; readonly distributions: ModelDistributions }
  | { readonly id: number; readonly error: string };

const init = workerData as WorkerInit;
const prepared = new Map(init.references.map((r) => [r.key, prepareModel(r, init.options)]));
const distributions = new Map(init.references.map((r) => [r.key, prepareModelDistributions(r)]));

parentPort!.on('message', (request: EvaluateRequest) => {
  let response: EvaluateResponse;
  try {
    const model = prepared.get(request.key);
    if (!model) throw new Error(`no reference prepared for ${request.key}`);
    const report = model.evaluate(request.snapshot);
    response = { id: request.id, report, distributions: distributions.get(request.key)!.measure(request.snapshot) };
  } catch (err) {
    response = { id: request.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
  }
  parentPort!.postMessage(response);
});
