/**
 * Where the tests and `npm run stack` find Prometheus, promtool, Alertmanager and amtool: first in
 * <repo>/.runtimes/bin, where `bash scripts/install-runtimes.sh` puts the versions that
 * docker-compose.yml runs (Debian unstable's), then on PATH. So a machine with an older
 * system-wide Prometheus still tests the deployed version once the script has run.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const RUNTIMES_BIN = fileURLToPath(new URL('../.runtimes/bin', import.meta.url));

/** The command that installs every binary looked up here, as the messages name it. */
export const INSTALL_RUNTIMES = 'bash scripts/install-runtimes.sh';

/**
 * Alertmanager's names: Debian's package installs `prometheus-alertmanager`; the upstream release
 * tarballs and Homebrew install `alertmanager`.
 */
export const ALERTMANAGER_NAMES: readonly string[] = ['prometheus-alertmanager', 'alertmanager'];

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The path of the first of `names` in .runtimes/bin, else of the first of them on PATH (each
 * directory in turn, as the shell looks), or undefined.
 */
export function findBinary(names: readonly string[]): string | undefined {
  const path = (process.env['PATH'] ?? '').split(delimiter).filter((dir) => dir !== '');
  for (const dirs of [[RUNTIMES_BIN], path])
    for (const name of names)
      for (const dir of dirs) {
        const candidate = join(dir, name);
        if (isExecutableFile(candidate)) return candidate;
      }
  return undefined;
}
