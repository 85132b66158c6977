import { readFileSync } from 'node:fs';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Config } from './config/index.js';
import { StartupError } from './errors.js';
import { loadModelRegistry, type ModelRegistry } from './model/index.js';
import { createReadiness, type Readiness } from './readiness.js';
import { createErrorHandler } from './routes/error-handler.js';
import { healthRoutes } from './routes/health.js';
import { parseJsonBody } from './routes/json-body.js';
import { predictRoutes } from './routes/predict.js';
import { loggerOptions, type DestinationStream } from './telemetry/logger.js';

declare module 'fastify' {
  interface FastifyInstance {
    readonly readiness: Readiness;
    readonly registry: ModelRegistry;
  }
}

export interface AppOverrides {
  /** A registry the caller loaded (and will close); by default buildApp loads MODELS_DIR and owns it. */
  readonly registry?: ModelRegistry;
  /** Where log lines go (default stdout); tests pass a stream to read them. */
  readonly logStream?: DestinationStream;
}

const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
export const SERVICE = { name: packageJson.name, version: packageJson.version } as const;

/**
 * The composition root: everything the service does is wired here, top to bottom. It never
 * listens; server.ts does, and tests call `listen({ port: 0 })` or `inject()`.
 */
export async function buildApp(config: Config, overrides: AppOverrides = {}): Promise<FastifyInstance> {
  const registry =
    overrides.registry ?? (await loadModelRegistry(config.modelsDir, { intraOpThreads: config.onnx.intraOpThreads }));
  try {
    const { name, version } = config.defaultModel;
    if (!registry.get(name, version)) {
      const loaded = registry.list().map((m) => `${m.name}@${m.version}`);
      throw new StartupError(
        `DEFAULT_MODEL_NAME=${name} DEFAULT_MODEL_VERSION=${version}: not among the loaded models (${loaded.join(', ')})`,
      );
    }

    const readiness = createReadiness();
    const app = Fastify({
      logger: { ...loggerOptions({ level: config.logLevel, service: SERVICE }), ...(overrides.logStream && { stream: overrides.logStream }) },
      // Per-request access lines are not worth their cost on every prediction; errors are still logged.
      logController: new LogController({ disableRequestLogging: true }),
      bodyLimit: config.bodyLimit,
      // Reject what we do not understand rather than silently coercing "35" to 35 or dropping fields.
      ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false } },
      // On close, requests arriving on kept-alive connections get 503 + Connection: close.
      return503OnClosing: true,
    });
    // Only JSON is accepted (415 otherwise): text/plain bodies would reach validation as strings.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('application/json', { parseAs: 'string' }, parseJsonBody);
    app.decorate('readiness', readiness);
    app.decorate('registry', registry);
    // While draining, close each kept-alive connection after its response: clients reconnect to
    // another replica, and in-flight requests do not hold the process for the keep-alive timeout.
    app.addHook('onSend', (_request, reply, payload, done) => {
      if (readiness.draining) reply.header('connection', 'close');
      done(null, payload);
    });
    app.setErrorHandler(createErrorHandler(config.bodyLimit));
    app.setNotFoundHandler((request, reply) =>
      reply.code(404).send({ error: 'NOT_FOUND', message: `no route ${request.method} ${request.url.slice(0, 128)}` }),
    );

    await app.register(healthRoutes, { registry, readiness });
    await app.register(predictRoutes, { registry, defaultModel: config.defaultModel, maxBatchSize: config.maxBatchSize });

    if (!overrides.registry) app.addHook('onClose', async () => registry.close());
    return app;
  } catch (err) {
    if (!overrides.registry) await registry.close();
    throw err;
  }
}
