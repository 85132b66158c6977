import type { ReportRenderer } from './report-renderer.js';
import { serviceReportInput, type ServiceReportSource } from './service-report.js';

/**
 * The service's report pages, rendered on demand and kept per evaluation: every request for the
 * same evaluation of a model shares one render (Vega in the worker costs tens of milliseconds
 * per chart); a new evaluation replaces it. One page per model is held.
 */
export interface LiveReports {
  /** The page of the model's latest evaluation; undefined when there is none yet. */
  html(modelName: string, modelVersion: string): Promise<string> | undefined;
}

export function createLiveReports(
  renderer: ReportRenderer,
  latest: (modelName: string, modelVersion: string) => ServiceReportSource | undefined,
): LiveReports {
  const pages = new Map<string, { evaluatedAt: string; html: Promise<string> }>();
  return {
    html(modelName, modelVersion) {
      const source = latest(modelName, modelVersion);
      if (!source) return undefined;
      const key = `${modelName}\u0000${modelVersion}`;
      const cached = pages.get(key);
      if (cached && cached.evaluatedAt === source.report.evaluated_at) return cached.html;
      const html = renderer.render(serviceReportInput(source));
      pages.set(key, { evaluatedAt: source.report.evaluated_at, html });
      // A failed render is not kept: the next request tries again.
      html.catch(() => {
        if (pages.get(key)?.html === html) pages.delete(key);
      });
      return html;
    },
  };
}
