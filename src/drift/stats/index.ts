/** The statistics as a table: every test's metadata by Evidently name. */
import { CHI_SQUARE } from './chi-square.js';
import { JENSEN_SHANNON } from './jensen-shannon.js';
import { KS } from './ks.js';
import { PSI } from './psi.js';
import type { StatTestMetadata, StatTestName } from './stattest.js';
import { WASSERSTEIN } from './wasserstein.js';
import { Z_TEST } from './z-test.js';

export const STATTESTS: Readonly<Record<StatTestName, StatTestMetadata>> = {
  ks: KS,
  wasserstein: WASSERSTEIN,
  jensenshannon: JENSEN_SHANNON,
  chisquare: CHI_SQUARE,
  z: Z_TEST,
  psi: PSI,
};
