import { expect } from 'vitest';
import { PACKAGED_MODELS_DIR } from '../../src/config/index.js';
import { createDriftJob, type DriftJob } from '../../src/drift/job.js';
import { applyShifts, loadReferenceRows, parseShift } from '../../scripts/simulate/traffic.js';
import { postJson, startApp, type RunningApp } from './app.js';

/** The embedded model, as requests name it. */
export const MODEL = { model_name: 'fraud-detection', model_version: 'v1.0' } as const;
/** A 400-row window, decisions from 100 rows, no timer run during a test (it evaluates on demand). */
export const DRIFT_ENV = { DRIFT_WINDOW_SIZE: '400', DRIFT_MIN_ROWS: '100', DRIFT_INTERVAL_SECONDS: '3600' };

export type ReferenceRow = Awaited<ReturnType<typeof loadReferenceRows>>[number];

/** The embedded model's reference rows, as a client would send them. */
export const embeddedReferenceRows = (): Promise<ReferenceRow[]> =>
  loadReferenceRows(PACKAGED_MODELS_DIR, MODEL.model_name, MODEL.model_version);

/**
 * `count` of `rows` from `start` (each shifted by `shift`, `npm run simulate`'s --drift syntax) as
 * /predict/batch requests of 100 rows, each answered 200; the answers' predictions.
 */
export async function sendRows(service: RunningApp, rows: readonly ReferenceRow[], start: number, count: number, shift?: string) {
  const shifts = shift ? [parseShift(shift)] : [];
  const predictions: { prediction: number; prediction_id: string }[] = [];
  for (let i = start; i < start + count; i += 100) {
    const instances = rows.slice(i, Math.min(i + 100, start + count)).map((row) => applyShifts(row, shifts));
    const res = await postJson(`${service.url}/predict/batch`, { instances, ...MODEL });
    expect(res.status).toBe(200);
    predictions.push(...(res.json!['predictions'] as typeof predictions));
  }
  return predictions;
}

/**
 * The app with its drift job kept (through the createDriftJob override), so that a test
 * evaluates now instead of waiting for the timer.
 */
export async function startWithDriftJob(env: Record<string, string> = DRIFT_ENV) {
  let job: DriftJob | undefined;
  const service = await startApp(env, { createDriftJob: (options) => (job = createDriftJob(options)) });
  return { service, runNow: () => job!.runNow() };
}
