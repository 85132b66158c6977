/**
 * The dependency rule of STYLE.md, enforced: server -> app -> routes -> {model, drift, telemetry} -> errors.
 * Only server.ts and app.ts read config; only app.ts, routes/ and telemetry import fastify.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'only-entry-reads-config',
      comment: 'Config is parsed once by the entry points (server.ts; instrumentation.ts, which runs first) and passed down as plain values.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(server|app)\\.ts$|^src/config/|^src/telemetry/instrumentation\\.ts$' },
      to: { path: '^src/config/' },
    },
    {
      name: 'nothing-imports-app-or-routes',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(server|app)\\.ts$|^src/routes/' },
      to: { path: '^src/(app|server)\\.ts$|^src/routes/' },
    },
    {
      name: 'model-is-self-contained',
      comment: 'model/ knows nothing of HTTP, metrics or drift.',
      severity: 'error',
      from: { path: '^src/model/' },
      to: { path: '^src/(drift|telemetry|routes)/|^src/readiness\\.ts$|fastify' },
    },
    {
      name: 'drift-does-not-import-telemetry',
      comment: 'app.ts joins them with a callback.',
      severity: 'error',
      from: { path: '^src/drift/' },
      to: { path: '^src/(telemetry|model|routes)/|fastify' },
    },
    {
      name: 'telemetry-imports-no-domain',
      severity: 'error',
      from: { path: '^src/telemetry/' },
      to: { path: '^src/(model|drift|routes)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
