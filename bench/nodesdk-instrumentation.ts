/**
 * Bench-only tracing bootstrap with NodeSDK, for `npm run bench -- --only nodesdk`: what
 * src/telemetry/instrumentation.ts would be with @opentelemetry/sdk-node, set up as close to the
 * hand-wired provider of src/telemetry/tracing.ts as NodeSDK allows. bench/nodesdk.ts transpiles it
 * to JavaScript and loads it with `node --import <it> dist/server.js` (not through tsx, whose loader
 * would slow every later import and bias the startup figure).
 *
 * From OTEL_* variables, as NodeSDK reads them: service name and resource (OTEL_SERVICE_NAME,
 * OTEL_NODE_RESOURCE_DETECTORS=env as ours uses only the env detector), sampler and ratio
 * (OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG), endpoint and timeout (OTEL_EXPORTER_OTLP_*), the
 * batch processor (OTEL_BSP_*), no metric or log pipeline (OTEL_METRICS_EXPORTER=none,
 * OTEL_LOGS_EXPORTER=none). In code: the instrumentations, and the exporter object, which NodeSDK
 * would build the same way from OTEL_TRACES_EXPORTER=otlp and OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=grpc,
 * passed in so that it can be warmed before the app starts, as ours is before /ready (the first
 * export loads the gRPC client: docs/performance.md). Left out, though NodeSDK would take them in
 * code (`sampler`, `spanProcessors`) at the price of no longer configuring those from the variables:
 * our per-second cap on sampled traces (CappedSampler) and the span-outcome counters
 * (ml_otel_spans_total).
 *
 * BENCH_NODESDK_BUNDLE=true: the http instrumentation comes from
 * @opentelemetry/auto-instrumentations-node, which enables what OTEL_NODE_ENABLED_INSTRUMENTATIONS
 * names. The bundle (0.80) has no Fastify instrumentation (@opentelemetry/instrumentation-fastify
 * was removed), so @fastify/otel is added in both modes, with the options tracing.ts gives it.
 *
 * One JSON line on stderr names the instrumentations constructed, for the benchmark to check.
 */
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { NodeSDK } from '@opentelemetry/sdk-node';

/** As UNTRACED_PATHS in src/telemetry/tracing.ts (not imported: that would load the hand-wired SDK here). */
const UNTRACED_PATHS: ReadonlySet<string> = new Set(['/metrics', '/health', '/ready']);
const pathOf = (url: string) => {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
};
/** As server.ts's EXPORTER_WARM_UP_MS. */
const EXPORTER_WARM_UP_MS = 3000;

const instrumentations: Instrumentation[] = [];
if (process.env['BENCH_NODESDK_BUNDLE'] === 'true') {
  const { getNodeAutoInstrumentations } = await import('@opentelemetry/auto-instrumentations-node');
  instrumentations.push(
    ...getNodeAutoInstrumentations({
      '@opentelemetry/instrumentation-http': { ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.has(pathOf(request.url ?? '')) },
    }),
  );
}
instrumentations.push(
  new FastifyOtelInstrumentation({
    registerOnInitialization: true,
    instrumentHooks: false,
    instrumentHandler: false,
    recordExceptions: false,
    ignorePaths: ({ url }: { url: string }) => UNTRACED_PATHS.has(pathOf(url)),
    requestHook: (span, request) => span.updateName(`${request.method} ${request.routeOptions.url ?? ''}`.trim()),
  }),
);

const exporter = new OTLPTraceExporter();
const sdk = new NodeSDK({ traceExporter: exporter, instrumentations });
sdk.start();
process.stderr.write(`${JSON.stringify({ nodesdkBootstrap: { instrumentations: instrumentations.map((i) => i.instrumentationName) } })}\n`);
// Flush on the way out (server.ts only shuts down the hand-wired provider), as the bundle's own
// register.js does.
process.once('beforeExit', () => void sdk.shutdown());

// Awaited here, before the app loads; ours overlaps it with building the app (a round trip to a
// local collector: a few ms).
await new Promise<void>((resolve) => {
  const timer = setTimeout(resolve, EXPORTER_WARM_UP_MS);
  timer.unref();
  exporter.export([], () => {
    clearTimeout(timer);
    resolve();
  });
});
