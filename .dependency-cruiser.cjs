/**
 * The dependency rule, enforced: server -> app -> {routes, grpc} -> prediction -> {model, drift, feedback, telemetry} -> errors;
 * config/ and errors.ts are the bottom layers. Only server.ts and app.ts read config (instrumentation.ts
 * too, as it runs first); only app.ts, routes/ and telemetry import fastify.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'only-entry-reads-config',
      comment:
        'Config is parsed once by the entry points (server.ts; instrumentation.ts, which runs first) and passed down as plain values. ' +
        "Other modules may import config's types (type-only imports, erased at build), never its code.",
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(server|app)\\.ts$|^src/config/|^src/telemetry/instrumentation\\.ts$' },
      to: { path: '^src/config/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'config-is-a-bottom-layer',
      comment: 'config/ parses the environment and owns the option types; of our code it imports only errors.ts (StartupError).',
      severity: 'error',
      from: { path: '^src/config/' },
      to: { path: '^src/', pathNot: '^src/config/|^src/errors\\.ts$' },
    },
    {
      name: 'errors-is-the-bottom-layer',
      comment: 'errors.ts, the catalogue of expected failures, imports nothing of ours: every layer may import it.',
      severity: 'error',
      from: { path: '^src/errors\\.ts$' },
      to: { path: '^src/' },
    },
    {
      name: 'cli-uses-only-library-layers',
      comment:
        'The ml-service CLI (cli.ts -> cli/) uses drift/ and model/ as a library: it neither builds nor starts the service, and ' +
        'takes its settings from its command line, not from config/.',
      severity: 'error',
      from: { path: '^src/cli(/|\\.ts$)' },
      to: { path: '^src/(server|app|drift-monitor|readiness)\\.ts$|^src/(routes|telemetry|config)/' },
    },
    {
      name: 'nothing-imports-the-cli',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/cli(/|\\.ts$)' },
      to: { path: '^src/cli(/|\\.ts$)' },
    },
    {
      name: 'nothing-imports-app-or-routes',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(server|app)\\.ts$|^src/routes/' },
      to: { path: '^src/(app|server)\\.ts$|^src/routes/' },
    },
    {
      name: 'prediction-is-transport-independent',
      comment:
        'prediction/ (the one pipeline and the V2 tensor decoding) is shared by the HTTP routes and the gRPC server: ' +
        'it imports neither of them, nor fastify, so each transport only parses its request and shapes its response.',
      severity: 'error',
      from: { path: '^src/prediction/' },
      to: { path: '^src/(routes|grpc)/|^src/(app|server)\\.ts$|fastify|@grpc/' },
    },
    {
      name: 'grpc-is-a-transport',
      comment:
        'grpc/ serves the Open Inference Protocol over gRPC beside routes/ over HTTP: it parses calls into the one pipeline ' +
        '(prediction/) and shapes its results; it imports neither the HTTP side (routes/, fastify) nor app or server.',
      severity: 'error',
      from: { path: '^src/grpc/' },
      to: { path: '^src/(routes|drift|feedback|cli)/|^src/(app|server|drift-monitor)\\.ts$|fastify' },
    },
    {
      name: 'only-app-builds-grpc',
      comment: 'Like routes/, the gRPC server is wired in app.ts (and bound by server.ts through the app): nothing else imports it.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/app\\.ts$|^src/grpc/' },
      to: { path: '^src/grpc/' },
    },
    {
      name: 'model-is-self-contained',
      comment: 'model/ knows nothing of HTTP, metrics or drift.',
      severity: 'error',
      from: { path: '^src/model/' },
      to: { path: '^src/(drift|telemetry|routes|prediction)/|^src/readiness\\.ts$|fastify' },
    },
    {
      name: 'drift-does-not-import-telemetry',
      comment: 'app.ts joins them with a callback.',
      severity: 'error',
      from: { path: '^src/drift/' },
      to: { path: '^src/(telemetry|model|routes)/|fastify' },
    },
    {
      name: 'feedback-is-pure',
      comment:
        'feedback/ (prediction ids, judging a label) is pure like drift/: no HTTP, no metrics, no app. routes/feedback.ts ' +
        'serves it and telemetry/feedback-telemetry.ts counts its outcomes, so it tests without a server or a registry.',
      severity: 'error',
      from: { path: '^src/feedback/' },
      to: { path: '^src/(telemetry|routes)/|^src/(app|server)\\.ts$|fastify|prom-client|@opentelemetry/' },
    },
    {
      name: 'not-to-dev-dep',
      comment:
        'What ships (src/, built to dist/) runs where only "dependencies" are installed (the Dockerfile installs with --omit=dev): ' +
        'a devDependency imported from src/ works in tests and fails in production. Type-only imports included, except @types/.',
      severity: 'error',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-dev'], pathNot: 'node_modules/@types/' },
    },
    {
      name: 'telemetry-imports-no-domain',
      severity: 'error',
      from: { path: '^src/telemetry/' },
      to: { path: '^src/(model|drift|routes|prediction)/' },
    },
    {
      name: 'charts-off-the-event-loop',
      comment:
        'Vega renders the charts of the HTML report: only the report worker (report/report-worker.ts) and the CLI, which has no event ' +
        'loop to protect, may reach render-report.ts, charts.ts or Vega; the service asks report-renderer.ts, which posts to the worker.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/report/(report-worker|render-report|charts)\\.ts$|^src/cli/' },
      to: { path: '^src/report/(render-report|charts)\\.ts$|node_modules/vega(-lite)?/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
