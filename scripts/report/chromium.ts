import { chromium, type Browser } from 'playwright-core';
import { findBinary } from '../runtimes.js';

/**
 * The system's Chromium (Debian's `chromium` package), driven by playwright-core: no browser
 * download. The sandbox needs user namespaces that containers and CI runners often lack.
 */
export const CHROMIUM_NAMES: readonly string[] = ['chromium', 'chromium-browser'];
export const CHROMIUM_INSTALL = 'sudo apt-get update && sudo apt-get install -y chromium';

export function chromiumPath(): string | undefined {
  return findBinary(CHROMIUM_NAMES);
}

export function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (executablePath === undefined) throw new Error(`chromium not found; install it with: ${CHROMIUM_INSTALL}`);
  return chromium.launch({ executablePath, args: ['--no-sandbox'] });
}
