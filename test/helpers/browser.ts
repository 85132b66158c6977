import { CHROMIUM_INSTALL, CHROMIUM_NAMES } from '../../scripts/report/chromium.js';
import { hasBinary } from './binaries.js';

export { launchChromium } from '../../scripts/report/chromium.js';

/** Whether Debian's chromium is installed: under CI=true its absence fails the run, locally the tier skips, loudly. */
export const hasChromium = (): boolean => hasBinary(CHROMIUM_NAMES, CHROMIUM_INSTALL);
