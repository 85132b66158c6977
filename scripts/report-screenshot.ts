/**
 * npm run report:screenshot: regenerates docs/images/drift-report.png, the README's picture of
 * the HTML drift report, from `npm run simulate`'s drift scenario (amount +50%) on 5,000 rows of
 * the process that generated the model's training data (seed 1), compared with the embedded
 * model's reference by `ml-service drift --model-dir ... --format html`. Needs Debian's chromium.
 */
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runDriftCommand } from '../src/cli/drift-command.js';
import { launchChromium } from './report/chromium.js';
import { SCENARIO_SHIFTS, writeScenarioCsv } from './report/scenario.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUTPUT = join(ROOT, 'docs', 'images', 'drift-report.png');
const MODEL_DIR = join('models', 'fraud-detection', 'v1.0');

const dir = await mkdtemp(join(tmpdir(), 'ml-service-report-screenshot-'));
const home = process.cwd();
try {
  // Relative paths from a directory of its own, so that the picture shows no machine's paths.
  await symlink(join(ROOT, 'models'), join(dir, 'models'));
  process.chdir(dir);
  const current = 'simulate-drift-amount+50%.csv';
  const report = join(dir, 'report.html');
  await writeScenarioCsv(current, { rows: 5000, seed: 1 });
  await runDriftCommand(['--model-dir', MODEL_DIR, '--current', current, '--format', 'html', '--output', report]);
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ offline: true, viewport: { width: 1200, height: 1500 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    await page.goto(pathToFileURL(report).href);
    // The header, the summary and the first (most severe) column.
    await page.screenshot({ path: OUTPUT, clip: { x: 0, y: 0, width: 1200, height: 1500 } });
  } finally {
    await browser.close();
  }
  console.log(`wrote ${OUTPUT} (scenario ${SCENARIO_SHIFTS.join(', ')}, 5000 rows, seed 1)`);
} finally {
  process.chdir(home);
  await rm(dir, { recursive: true, force: true });
}
