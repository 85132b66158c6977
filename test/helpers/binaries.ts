import { spawnSync } from 'node:child_process';

/** The first of `names` found on PATH, or undefined. */
export function findBinary(names: readonly string[]): string | undefined {
  return names.find((name) => spawnSync('sh', ['-c', `command -v ${name}`]).status === 0);
}

/**
 * Whether a binary the test needs is installed, under any of its names. Under CI (CI=true) a
 * missing binary fails the run: those tests must run there. Locally the caller skips, and this
 * says so loudly.
 */
export function hasBinary(name: string | readonly string[], install: string): boolean {
  const names = typeof name === 'string' ? [name] : name;
  if (findBinary(names) !== undefined) return true;
  const wanted = names.join(' or ');
  if (process.env['CI'] === 'true') throw new Error(`${wanted} is required under CI=true; install it with: ${install}`);
  console.warn(`\n*** SKIPPING tests that need ${wanted}: not installed. Install it with: ${install} ***\n`);
  return false;
}

export const PROMETHEUS_INSTALL = 'apt-get update && apt-get install -y --no-install-recommends prometheus';

/**
 * Alertmanager's names: Debian's package installs `prometheus-alertmanager`; the upstream release
 * tarballs and Homebrew install `alertmanager`.
 */
export const ALERTMANAGER_NAMES: readonly string[] = ['prometheus-alertmanager', 'alertmanager'];
export const ALERTMANAGER_INSTALL =
  'apt-get update && apt-get install -y --no-install-recommends prometheus-alertmanager (Debian), brew install alertmanager (macOS), or a release from https://prometheus.io/download/';

/** The installed Alertmanager binary; call it once `hasBinary(ALERTMANAGER_NAMES, …)` said there is one. */
export function alertmanagerBinary(): string {
  const found = findBinary(ALERTMANAGER_NAMES);
  if (found === undefined)
    throw new Error(`Alertmanager not found (${ALERTMANAGER_NAMES.join(' or ')}); install it with: ${ALERTMANAGER_INSTALL}`);
  return found;
}
