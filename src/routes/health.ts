import type { FastifyPluginAsync } from 'fastify';
import type { ModelRegistry } from '../model/index.js';
import type { Readiness } from '../readiness.js';

export interface HealthRoutesOptions {
  readonly registry: ModelRegistry;
  readonly readiness: Readiness;
}

/**
 * GET /health: liveness, 200 while the process can answer at all (restart me if not).
 * GET /ready: readiness, 200 only when every model is loaded and nothing holds readiness back;
 * 503 while starting up or draining (send me no traffic).
 * GET /models: what is loaded and the features each model accepts.
 */
export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (app, { registry, readiness }) => {
  const models = registry.list().map((m) => `${m.name}@${m.version}`);

  app.get('/health', { schema: { response: { 200: { type: 'object', properties: { status: { type: 'string' } } } } } }, async () => ({
    status: 'healthy',
  }));

  app.get('/ready', async (_request, reply) => {
    if (readiness.ready) return { status: 'ready', models };
    return reply.code(503).send({ status: readiness.draining ? 'draining' : 'starting', reasons: readiness.reasons, models });
  });

  app.get('/models', async () => ({
    models: registry.list().map((m) => ({
      model_name: m.name,
      model_version: m.version,
      framework: m.framework,
      description: m.schema.file.description,
      features: m.schema.features,
      metrics: m.schema.file.metrics ?? {},
      reference_rows: m.reference.rows,
      // What scores requests of a few rows (model/onnx-model.ts), and why onnxruntime when it does.
      scorer: { small_requests: m.scorer.engine.small, ...(m.scorer.engine.reason !== undefined && { reason: m.scorer.engine.reason }) },
    })),
  }));
};
