import { defineConfig } from 'vitest/config';

/**
 * One project per test tier (npm run test:<tier> runs one; npm test runs them all), each with its
 * own timeout: a few times its slowest test on a busy 2-CPU machine, and longer than the deadlines
 * its helpers and the processes it starts keep themselves (a listen within 20 s, a stack part
 * ready within 30 s), so that their message, not a bare timeout, says what hung. Tiers that start
 * processes on loopback ports run their files one after another, in a group of their own, after
 * the in-process tiers (sequence.groupOrder): nothing competes with their timing-sensitive checks
 * (drain, cut-off and flush deadlines) or races them for a port.
 */
const tier = (name: string, timeoutMs: number, options: { serial?: boolean; groupOrder?: number } = {}) => ({
  extends: true as const,
  test: {
    name,
    include: [`test/${name}/**/*.test.ts`],
    testTimeout: timeoutMs,
    hookTimeout: timeoutMs,
    sequence: { groupOrder: options.groupOrder ?? 0 },
    // One fork runs the tier's files in turn (each file still gets fresh modules).
    ...(options.serial && { poolOptions: { forks: { singleFork: true } } }),
  },
});

export default defineConfig({
  test: {
    // Separate processes: onnxruntime sessions and process-level signal handlers stay per file (per
    // tier in the serial tiers), never in the runner.
    pool: 'forks',
    // global.gc() lets a test show that memory is released, not merely unreferenced.
    poolOptions: { forks: { execArgv: ['--expose-gc'] } },
    reporters: ['default'],
    projects: [
      // In-process: pure functions, the ops files, the app on port 0 (slowest: 1,500 property-based
      // bodies, about 12 s); promtool running the rules' tests (about 10 s for one file).
      tier('unit', 10_000),
      tier('http', 45_000),
      tier('alerts', 45_000),
      // `node dist/server.js`, the CLIs, the training script (about 10 s), the native stack script.
      tier('process', 60_000, { serial: true, groupOrder: 1 }),
      // Real Prometheus and Alertmanager: a hook starts the service and Prometheus (20 s + 30 s
      // deadlines); the end-to-end alert path sets its own, longer, limits.
      tier('stack', 90_000, { serial: true, groupOrder: 2 }),
      // Debian's headless chromium opening the HTML drift report (about 20 s for the file), in a group
      // of its own at the end: a browser's CPU use would disturb the other tiers' timing checks.
      tier('browser', 60_000, { serial: true, groupOrder: 3 }),
    ],
  },
});
