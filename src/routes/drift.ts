import type { FastifyPluginAsync } from 'fastify';
import { AppError, quoteInput } from '../errors.js';
import type { ModelDriftReport } from '../drift/model-drift.js';
import type { ModelRegistry } from '../model/index.js';
import { REPORT_CSP } from '../report/html-report.js';

export interface DriftRoutesOptions {
  readonly registry: ModelRegistry;
  readonly defaultModel: { readonly name: string; readonly version: string };
  /** The latest report of a model, if one was computed yet. */
  readonly latest: (modelName: string, modelVersion: string) => ModelDriftReport | undefined;
  readonly intervalSeconds: number;
  /**
   * The HTML report of a model's latest evaluation (report/live-reports.ts: rendered in a worker,
   * kept per evaluation); undefined when there is no evaluation yet. Absent: no /report route.
   */
  readonly htmlReport?: (modelName: string, modelVersion: string) => Promise<string> | undefined;
}

/**
 * GET /drift: the default model's latest drift report, in the original exercise's shape
 * (`drift_detected`, `drift_score`, `drifted_features`, `total_features`) plus per-feature detail.
 * GET /drift/:model_name[/:model_version]: another model's (latest version when omitted).
 * GET /drift/:model_name/:model_version/report: the same evaluation as a self-contained HTML page.
 * Reports come from the background job; these routes only read them.
 */
export const driftRoutes: FastifyPluginAsync<DriftRoutesOptions> = async (app, options) => {
  const { registry, defaultModel, latest, intervalSeconds } = options;

  const loadedModel = (name: string, version: string | undefined) => {
    const resolved = version ?? registry.latestVersion(name);
    const model = resolved === undefined ? undefined : registry.get(name, resolved);
    if (!model) {
      const loaded = registry
        .list()
        .map((m) => `${m.name}@${m.version}`)
        .join(', ');
      const what = version === undefined ? quoteInput(name) : `${quoteInput(name)} version ${quoteInput(version)}`;
      throw new AppError('MODEL_NOT_FOUND', `model ${what} is not loaded; loaded: ${loaded}`, 'model_name');
    }
    return model;
  };
  const notYet = (model: { name: string; version: string }) =>
    new AppError(
      'SERVICE_UNAVAILABLE',
      `no drift evaluation of ${model.name}@${model.version} yet; one runs every ${intervalSeconds} s (DRIFT_INTERVAL_SECONDS)`,
    );

  const answer = (name: string, version: string | undefined) => {
    const model = loadedModel(name, version);
    const report = latest(model.name, model.version);
    if (!report) throw notYet(model);
    return report;
  };

  app.get('/drift', async () => answer(defaultModel.name, defaultModel.version));
  app.get<{ Params: { model_name: string } }>('/drift/:model_name', async (request) => answer(request.params.model_name, undefined));
  app.get<{ Params: { model_name: string; model_version: string } }>('/drift/:model_name/:model_version', async (request) =>
    answer(request.params.model_name, request.params.model_version),
  );

  const { htmlReport } = options;
  if (htmlReport) {
    app.get<{ Params: { model_name: string; model_version: string } }>(
      '/drift/:model_name/:model_version/report',
      async (request, reply) => {
        const model = loadedModel(request.params.model_name, request.params.model_version);
        const html = htmlReport(model.name, model.version);
        if (!html) throw notYet(model);
        return reply
          .type('text/html; charset=utf-8')
          .header('content-security-policy', REPORT_CSP)
          .header('x-content-type-options', 'nosniff')
          .header('cache-control', 'no-store')
          .send(await html);
      },
    );
  }
};
