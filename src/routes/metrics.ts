import type { FastifyPluginAsync } from 'fastify';
import type { Metrics } from '../telemetry/metrics.js';

/**
 * GET /metrics. Prometheus asks for OpenMetrics first (its default scrape protocols), which is
 * the only format that carries exemplars; curl, promtool and older scrapers get the text format.
 */
export const metricsRoutes: FastifyPluginAsync<{ metrics: Metrics }> = async (app, { metrics }) => {
  app.get('/metrics', async (request, reply) => {
    const format = (request.headers.accept ?? '').includes('application/openmetrics-text') ? 'openmetrics' : 'text';
    reply.header('content-type', metrics.contentType[format]);
    return metrics.render(format);
  });
};
