import { randomBytes } from 'node:crypto';
import { getHeapStatistics } from 'node:v8';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config/index.js';
import { StartupError } from './errors.js';
import { createDriftMonitor } from './drift-monitor.js';
import type { DriftJob, DriftJobOptions } from './drift/job.js';
import { createFeedbackReader } from './feedback/feedback-reader.js';
import { createPredictionIdCodec, MIN_KEY_BYTES } from './feedback/prediction-id.js';
import { createInferenceGrpc, RPC_METHODS, type GrpcListener } from './grpc/index.js';
import { loadModelRegistry, type ModelRegistry } from './model/index.js';
import { createPredictionPipeline } from './prediction/pipeline.js';
import { createReadiness, type Readiness } from './readiness.js';
import { createErrorResponder, REJECTION_REASONS, rejectionReasonOf } from './routes/error-handler.js';
import { driftRoutes } from './routes/drift.js';
import { feedbackRoutes, type FeedbackModel } from './routes/feedback.js';
import { healthRoutes } from './routes/health.js';
import { loadShedding } from './routes/load-shedding.js';
import { parseJsonBody } from './routes/json-body.js';
import { metricsRoutes } from './routes/metrics.js';
import { openInferenceRoutes } from './routes/open-inference.js';
import { predictRoutes } from './routes/predict.js';
import { createLiveReports } from './report/live-reports.js';
import { createReportRenderer } from './report/report-renderer.js';
import { publishDriftBins } from './telemetry/drift-bins.js';
import { publishDriftReport, recordDriftRun } from './telemetry/drift-gauges.js';
import { createFeedbackTelemetry, NO_FEEDBACK_TELEMETRY } from './telemetry/feedback-telemetry.js';
import { installHttpTelemetry, requestIdOf } from './telemetry/http-telemetry.js';
import { loggerOptions, type DestinationStream } from './telemetry/logger.js';
import { createMetrics } from './telemetry/metrics.js';
import { readPerformanceCounts } from './telemetry/performance-counts.js';
import { createPredictionTelemetry, NO_PREDICTION_TELEMETRY, type ModelLayout } from './telemetry/prediction-telemetry.js';
import { SERVICE } from './telemetry/service-info.js';
import type { SpanStats } from './telemetry/tracing.js';

declare module 'fastify' {
  interface FastifyInstance {
    readonly readiness: Readiness;
    readonly registry: ModelRegistry;
    /** The gRPC listener (GRPC_ENABLED), built but not listening: server.ts binds it; app.close() shuts it down. */
    readonly grpc: GrpcListener | undefined;
  }
}

export interface AppOverrides {
  /** A registry the caller loaded (and will close); by default buildApp loads MODELS_DIR and owns it. */
  readonly registry?: ModelRegistry;
  /** Where log lines go (default stdout); tests pass a stream to read them. */
  readonly logStream?: DestinationStream;
  /** Span exporter counts to publish as metrics (server.ts passes the running tracing's). */
  readonly spanStats?: SpanStats;
  /** Builds the drift job (default createDriftJob); tests keep it to call runNow() instead of waiting for the timer. */
  readonly createDriftJob?: (options: DriftJobOptions) => DriftJob;
}

export { SERVICE };

/**
 * The composition root: everything the service does is wired here, top to bottom. It never
 * listens; server.ts does, and tests call `listen({ port: 0 })` or `inject()`.
 */
export async function buildApp(config: Config, overrides: AppOverrides = {}): Promise<FastifyInstance> {
  const registry = overrides.registry ?? (await loadModelRegistry(config.modelsDir, config.onnx));
  try {
    const { name, version } = config.defaultModel;
    if (!registry.get(name, version)) {
      const loaded = registry.list().map((m) => `${m.name}@${m.version}`);
      throw new StartupError(
        `DEFAULT_MODEL_NAME=${name} DEFAULT_MODEL_VERSION=${version}: not among the loaded models (${loaded.join(', ')})`,
      );
    }

    // Telemetry: metric series are created here from the registry, never from requests.
    // Each model's own row layout (model/feature-schema.ts) is what telemetry decodes rows with.
    const layouts = registry.list().map((m): ModelLayout => ({
      name: m.name,
      version: m.version,
      framework: m.framework,
      ...m.schema.layout,
      performance: m.performance,
    }));
    const metrics = config.metricsEnabled
      ? createMetrics({
          models: layouts,
          rejectionReasons: REJECTION_REASONS,
          drift: config.drift.enabled,
          rpcMethods: config.grpc.enabled ? RPC_METHODS : [],
        })
      : undefined;
    const spanStats = overrides.spanStats;
    if (metrics && spanStats) {
      metrics.spans.onCollect(() => {
        metrics.spans.labels('exported').value = spanStats.exported;
        metrics.spans.labels('failed').value = spanStats.failed;
        metrics.spans.labels('dropped').value = spanStats.dropped;
        metrics.spans.labels('rate_limited').value = spanStats.rateLimited;
      });
      metrics.spanQueue.onCollect(() => metrics.spanQueue.labels().set(spanStats.queueSize()));
    }
    const telemetry = metrics ? createPredictionTelemetry(metrics, layouts, REJECTION_REASONS) : NO_PREDICTION_TELEMETRY;
    const feedbackTelemetry = metrics ? createFeedbackTelemetry(metrics, layouts) : NO_FEEDBACK_TELEMETRY;
    const errors = createErrorResponder(config.bodyLimit, telemetry);

    // Prediction ids: signed with the first configured key, verified with any of them, so every
    // replica holding the keys accepts feedback for any replica's predictions. Without keys, a
    // random one: ids then verify on this process only, until it restarts (warned below).
    const configuredKeys = config.feedback.keys.reveal();
    const ids = createPredictionIdCodec(configuredKeys.length > 0 ? configuredKeys : [randomBytes(MIN_KEY_BYTES)]);
    const feedbackReader = createFeedbackReader(
      ids,
      registry
        .list()
        .map((m): FeedbackModel => ({ name: m.name, version: m.version, recorder: feedbackTelemetry.recorder(m.name, m.version) })),
      { horizonSeconds: config.feedback.horizonSeconds },
    );

    const readiness = createReadiness();
    const app = Fastify({
      logger: {
        ...loggerOptions({ level: config.logLevel, service: SERVICE, redactFeatures: config.logPayloads.redactFeatures }),
        ...(overrides.logStream && { stream: overrides.logStream }),
      },
      genReqId: requestIdOf,
      requestIdHeader: false,
      // One prediction_completed line per request replaces Fastify's two access lines.
      logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
      bodyLimit: config.bodyLimit,
      // Slow clients: a request (headers and body) must arrive within REQUEST_TIMEOUT_MS, or it gets
      // 408 and its connection is closed, releasing whatever body it had sent. Node checks these
      // timeouts on an interval (30 s by default): ours is a fifth of the headers timeout, at most 1 s.
      requestTimeout: config.http.requestTimeoutMs,
      keepAliveTimeout: config.http.keepAliveTimeoutMs,
      http: {
        // (Also here: Node checks headersTimeout against requestTimeout when creating the server,
        // before Fastify sets the latter.)
        requestTimeout: config.http.requestTimeoutMs,
        headersTimeout: config.http.headersTimeoutMs,
        connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(config.http.headersTimeoutMs / 5))),
      },
      // Reject what we do not understand rather than silently coercing "35" to 35 or dropping fields.
      ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false } },
      // A request that reaches a kept-alive connection after the listener closed was sent before
      // the client could know: serve it (with Connection: close) rather than answer 503.
      return503OnClosing: false,
      // The router's and Node's HTTP parser's errors answered through the one error catalogue.
      frameworkErrors: errors.frameworkErrors,
      clientErrorHandler: errors.clientErrorHandler,
    });
    // Only JSON is accepted (415 otherwise): text/plain bodies would reach validation as strings.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('application/json', { parseAs: 'string' }, parseJsonBody);
    // Beyond this many open connections Node closes new ones at once: descriptors and memory stay bounded.
    app.server.maxConnections = config.http.maxConnections;
    app.decorate('readiness', readiness);
    app.decorate('registry', registry);
    app.addHook('onListen', async () => {
      for (const m of registry.list()) {
        const { small, reason } = m.scorer.engine;
        app.log.info(
          { model_name: m.name, model_version: m.version, scorer: small, ...(reason !== undefined && { reason }) },
          'model loaded',
        );
      }
    });
    if (configuredKeys.length === 0) {
      // Once listening: a process that then refuses to start prints its one error line, nothing else.
      app.addHook('onListen', async () => {
        app.log.warn(
          'FEEDBACK_KEYS and FEEDBACK_KEY_FILE are unset: prediction ids are signed with a random key of this process, ' +
            'so POST /feedback accepts only the ids this process issued, until it restarts; give every replica the same keys',
        );
      });
    }

    // Drift: each scored row is copied into its model's window and counted in its fleet bins on the
    // request path (O(features), no allocation); a worker thread compares windows with the
    // references every interval. drift/ does not import telemetry: its reports, runs and bin
    // counts reach the metrics through these callbacks (no metrics, no bin counting).
    const drift = config.drift.enabled
      ? createDriftMonitor(registry.list(), {
          windowSize: config.drift.windowSize,
          intervalMs: config.drift.intervalMs,
          method: config.drift.method,
          minRows: config.drift.minRows,
          ...(config.drift.datasetShare !== undefined && { datasetShare: config.drift.datasetShare }),
          log: app.log,
          ...(metrics && {
            onReport: (report, featureNames) => publishDriftReport(metrics, featureNames, report),
            onRun: (modelName, modelVersion, outcome) => recordDriftRun(metrics, modelName, modelVersion, outcome),
            onBins: (modelName, modelVersion, bins) => publishDriftBins(metrics, modelName, modelVersion, bins),
          }),
          ...(overrides.createDriftJob && { createJob: overrides.createDriftJob }),
        })
      : undefined;
    if (drift) {
      app.addHook('onReady', async () => drift.start());
      app.addHook('onClose', async () => drift.close());
    }
    // The one prediction pipeline every transport scores through (src/prediction/pipeline.ts).
    const pipeline = createPredictionPipeline({
      registry,
      defaultModel: config.defaultModel,
      telemetry,
      ids,
      successLog: config.successLog,
      processLog: app.log,
      ...(drift && { onScored: drift.record }),
    });
    // The Open Inference Protocol over gRPC on its own port (GRPC_ENABLED), over the same pipeline.
    const grpc = config.grpc.enabled
      ? createInferenceGrpc({
          registry,
          readiness,
          pipeline,
          metrics,
          log: app.log as Logger,
          server: { name: SERVICE.name, version: SERVICE.version, extensions: [] },
          maxBatchSize: config.maxBatchSize,
          maxMessageBytes: config.bodyLimit,
          onRejected: (code) => telemetry.rejected(rejectionReasonOf(code)),
        })
      : undefined;
    app.decorate('grpc', grpc);
    if (grpc) {
      // Both listeners close together: gRPC's graceful shutdown starts as HTTP's listener closes,
      // and app.close() resolves once its calls in flight have finished too.
      app.addHook('preClose', async () => void grpc.shutdown());
      app.addHook('onClose', async () => grpc.shutdown());
    }
    // While draining, close each kept-alive connection after its response: clients reconnect to
    // another replica, and in-flight requests do not hold the process for the keep-alive timeout.
    installHttpTelemetry(app, metrics, () => readiness.draining);
    app.setErrorHandler(errors.handler);
    app.setNotFoundHandler(errors.notFound);

    await app.register(loadShedding, {
      maxEventLoopDelayMs: config.loadShedding.maxEventLoopDelayMs,
      maxHeapUsedBytes: Math.floor(config.loadShedding.maxHeapUsedRatio * getHeapStatistics().heap_size_limit),
      retryAfterSeconds: config.loadShedding.retryAfterSeconds,
      onShed: (reason) => metrics?.requestsShed.labels(reason).inc(),
    });
    await app.register(healthRoutes, { registry, readiness });
    await app.register(predictRoutes, {
      pipeline,
      maxBatchSize: config.maxBatchSize,
      errors,
      payloadSampleRatio: config.logPayloads.sampleRatio,
    });
    await app.register(openInferenceRoutes, {
      prefix: '/v2',
      pipeline,
      registry,
      readiness,
      errors,
      maxBatchSize: config.maxBatchSize,
      server: SERVICE,
    });
    await app.register(feedbackRoutes, { reader: feedbackReader, telemetry: feedbackTelemetry, errors, maxBatchSize: config.maxBatchSize });
    if (metrics) await app.register(metricsRoutes, { metrics });
    if (drift) {
      // The HTML report renders in a worker of its own, started on the first request; a model's
      // performance section reads this replica's label and decision counters (with metrics only).
      const renderer = createReportRenderer();
      app.addHook('onClose', async () => renderer.close());
      const reports = createLiveReports(renderer, (name, version) => {
        const evaluation = drift.latestEvaluation(name, version);
        const performance = registry.get(name, version)?.performance;
        if (!evaluation) return undefined;
        return {
          ...evaluation,
          windowSize: config.drift.windowSize,
          ...(metrics &&
            performance && {
              performance: { model: performance, counts: readPerformanceCounts(metrics, name, version, performance.scoreBuckets) },
            }),
        };
      });
      await app.register(driftRoutes, {
        registry,
        defaultModel: config.defaultModel,
        latest: drift.latest,
        intervalSeconds: config.drift.intervalMs / 1000,
        htmlReport: reports.html,
      });
    }

    if (!overrides.registry) {
      app.addHook('onClose', async () => {
        // The models outlive every call that scores with them, whichever order the hooks run in.
        await grpc?.shutdown();
        await registry.close();
      });
    }
    return app;
  } catch (err) {
    if (!overrides.registry) await registry.close();
    throw err;
  }
}
