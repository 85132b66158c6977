import { spawnSync } from 'node:child_process';

/**
 * Whether a binary the test needs is installed. Under CI (CI=true) a missing binary fails the
 * run: those tests must run there. Locally the caller skips, and this says so loudly.
 */
export function hasBinary(name: string, install: string): boolean {
  const found = spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
  if (found) return true;
  if (process.env['CI'] === 'true') throw new Error(`${name} is required under CI=true; install it with: ${install}`);
  console.warn(`\n*** SKIPPING tests that need ${name}: not installed. Install it with: ${install} ***\n`);
  return false;
}

export const PROMETHEUS_INSTALL = 'apt-get update && apt-get install -y --no-install-recommends prometheus';
