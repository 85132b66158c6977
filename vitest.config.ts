import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Separate processes: onnxruntime sessions and process-level signal handlers stay per file.
    pool: 'forks',
    // global.gc() lets a test show that memory is released, not merely unreferenced.
    poolOptions: { forks: { execArgv: ['--expose-gc'] } },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
