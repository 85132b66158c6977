import { ALERTMANAGER_NAMES, findBinary, INSTALL_RUNTIMES } from '../../scripts/runtimes.js';

export { ALERTMANAGER_NAMES, findBinary } from '../../scripts/runtimes.js';

/**
 * Whether a binary the test needs is installed, under any of its names, in .runtimes/bin or on
 * PATH. Under CI (CI=true) a missing binary fails the run: those tests must run there. Locally the
 * caller skips, and this says so loudly.
 */
export function hasBinary(name: string | readonly string[], install: string): boolean {
  const names = typeof name === 'string' ? [name] : name;
  if (findBinary(names) !== undefined) return true;
  const wanted = names.join(' or ');
  if (process.env['CI'] === 'true') throw new Error(`${wanted} is required under CI=true; install it with: ${install}`);
  console.warn(`\n*** SKIPPING tests that need ${wanted}: not installed. Install it with: ${install} ***\n`);
  return false;
}

/**
 * The path of `name` (one name or several), .runtimes/bin first; call it once `hasBinary` said
 * there is one.
 */
export function binary(name: string | readonly string[], install: string = INSTALL_RUNTIMES): string {
  const names = typeof name === 'string' ? [name] : name;
  const found = findBinary(names);
  if (found === undefined) throw new Error(`${names.join(' or ')} not found; install it with: ${install}`);
  return found;
}

/**
 * Installs the versions that docker-compose.yml runs (Prometheus 3.5 and promtool, Alertmanager
 * 0.33 and amtool, from Debian unstable) into .runtimes/bin.
 */
export const PROMETHEUS_INSTALL = INSTALL_RUNTIMES;
export const ALERTMANAGER_INSTALL = INSTALL_RUNTIMES;

/** The installed Alertmanager binary; call it once `hasBinary(ALERTMANAGER_NAMES, …)` said there is one. */
export function alertmanagerBinary(): string {
  return binary(ALERTMANAGER_NAMES, ALERTMANAGER_INSTALL);
}
