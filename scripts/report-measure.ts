/**
 * npm run report:measure [-- --features 20 --rows 100000]: the HTML report's size and build time
 * for a wide, long comparison. Writes two seeded CSVs (numerical features, categorical ones with
 * 12 categories, and one with 1,000 to show the `other` bin's bound; half the features shifted),
 * then times `ml-service drift --format html` (reading, testing, distributions, Vega charts and
 * the page) and `--format json` (reading and testing only) in this process, warmed up by a first
 * json run, and prints both.
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runDriftCommand } from '../src/cli/drift-command.js';
import { createRandom, type Random } from './train/random.js';

const { values } = parseArgs({ options: { features: { type: 'string', default: '20' }, rows: { type: 'string', default: '100000' } } });
const features = Number(values.features);
const rows = Number(values.rows);

type Feature = { name: string; draw: (random: Random, shifted: boolean) => string };
const featureList: Feature[] = Array.from({ length: features }, (_, k): Feature => {
  const shifts = k % 2 === 0;
  if (k === features - 1) return { name: `f${k}_many`, draw: (r, s) => `v${r.integer(0, s && shifts ? 1199 : 999)}` };
  if (k % 4 === 3)
    return {
      name: `f${k}_cat`,
      draw: (r, s) => `c${r.weightedIndex(s && shifts ? [3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1] : Array<number>(12).fill(1))}`,
    };
  return { name: `f${k}_num`, draw: (r, s) => (r.uniform() < 0.01 ? '' : r.normal(s && shifts ? 0.2 : 0, 1).toFixed(4)) };
});

async function writeCsv(path: string, seed: number, shifted: boolean) {
  const random = createRandom(seed);
  const lines = [featureList.map((f) => f.name).join(',')];
  for (let i = 0; i < rows; i++) lines.push(featureList.map((f) => f.draw(random, shifted)).join(','));
  await writeFile(path, `${lines.join('\n')}\n`);
}

const dir = await mkdtemp(join(tmpdir(), 'ml-service-report-measure-'));
try {
  const reference = join(dir, 'reference.csv');
  const current = join(dir, 'current.csv');
  await writeCsv(reference, 1, false);
  await writeCsv(current, 2, true);
  const args = ['--reference', reference, '--current', current];
  const timed = async (format: string) => {
    const started = performance.now();
    await runDriftCommand([...args, '--format', format, '--output', join(dir, `report.${format}`)]);
    return performance.now() - started;
  };
  // A first json run warms the process up (JIT, csv-parse); json again after html, for the difference.
  await timed('json');
  const htmlMs = await timed('html');
  const jsonMs = await timed('json');
  const html = join(dir, 'report.html');
  const bytes = (await stat(html)).size;
  console.log(
    `${features} features x ${rows} rows (each file): html report ${bytes} bytes (${(bytes / 1024).toFixed(0)} KiB); ` +
      `--format json ${(jsonMs / 1000).toFixed(2)} s, --format html ${(htmlMs / 1000).toFixed(2)} s ` +
      `(charts and page: ${((htmlMs - jsonMs) / 1000).toFixed(2)} s more); node ${process.version}`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
