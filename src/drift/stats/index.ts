/** The statistics as a table: every test's metadata by Evidently name. */
import { CHI_SQUARE } from './chi-square.js';
import { JENSEN_SHANNON } from './jensen-shannon.js';
import { KS } from './ks.js';
import { KS_EXCESS } from './ks-excess.js';
import { PSI } from './psi.js';
import { MISSING_SHARE, OUTLIER_SHARE } from './share-excess.js';
import type { StatTestMetadata, StatTestName } from './stattest.js';
import { TV_EXCESS } from './tv-excess.js';
import { WASSERSTEIN } from './wasserstein.js';
import { Z_TEST } from './z-test.js';

export const STATTESTS: Readonly<Record<StatTestName, StatTestMetadata>> = {
  ks: KS,
  wasserstein: WASSERSTEIN,
  jensenshannon: JENSEN_SHANNON,
  chisquare: CHI_SQUARE,
  z: Z_TEST,
  psi: PSI,
  ks_excess: KS_EXCESS,
  tv_excess: TV_EXCESS,
  outlier_share: OUTLIER_SHARE,
  missing_share: MISSING_SHARE,
};
