import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDriftCommand } from '../../src/cli/drift-command.js';
import { PACKAGED_MODELS_DIR } from '../../src/config/index.js';
import { writeScenarioCsv } from '../../scripts/report/scenario.js';
import { hasChromium, launchChromium } from '../helpers/browser.js';

/**
 * The HTML report of `npm run simulate`'s drift scenario (amount +50%, rows from the generating
 * process), opened from disk in Debian's headless Chromium with every network request refused.
 */

const MODEL_DIR = join(PACKAGED_MODELS_DIR, 'fraud-detection', 'v1.0');
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const available = hasChromium();

describe.runIf(available)('the HTML drift report in a real browser', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ml-service-report-browser-'));
  const reportPath = join(dir, 'report.html');
  let browser: Browser;
  beforeAll(async () => {
    const current = join(dir, 'current.csv');
    await writeScenarioCsv(current, { rows: 3000, seed: 13 });
    const [launched] = await Promise.all([
      launchChromium(),
      runDriftCommand(['--model-dir', MODEL_DIR, '--current', current, '--format', 'html', '--output', reportPath]),
    ]);
    browser = launched;
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads from a file URL with the network refused: nothing else requested, no console error, one non-empty chart per feature, drifted first, sane headings; screenshot', async () => {
    const context = await browser.newContext({ offline: true, viewport: { width: 1200, height: 900 } });
    const requested: string[] = [];
    // Everything but the page itself is refused (and recorded by the request listener below).
    await context.route('**/*', (route) => (route.request().url().startsWith('file:') ? route.continue() : route.abort()));
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
    page.on('request', (request) => requested.push(request.url()));
    const url = pathToFileURL(reportPath).href;
    await page.goto(url, { waitUntil: 'load' });

    expect(requested).toEqual([url]);
    expect(problems).toEqual([]);

    const columns = await page.locator('article.column').evaluateAll((articles) =>
      articles.map((article) => ({
        name: article.getAttribute('data-column'),
        drifted: article.getAttribute('data-drifted') === 'true',
        charts: article.querySelectorAll('svg').length,
        // Vega draws each bar as a path in a mark-rect group; a bar of a non-zero share has height.
        bars: [...article.querySelectorAll('svg .mark-rect path')].filter((bar) => bar.getBoundingClientRect().height > 0).length,
        width: article.querySelector('svg')?.getBoundingClientRect().width ?? 0,
      })),
    );
    const schema = JSON.parse(readFileSync(join(MODEL_DIR, 'schema.json'), 'utf8')) as { features: { name: string }[] };
    expect(columns.map((c) => c.name).sort()).toEqual(schema.features.map((f) => f.name).sort());
    for (const column of columns) {
      expect(column.charts, column.name!).toBe(1);
      expect(column.bars, column.name!).toBeGreaterThan(1);
      expect(column.width, column.name!).toBeGreaterThan(200);
    }
    // The scenario's shifted feature drifts and comes first; drifted features precede the others.
    expect(columns[0]).toMatchObject({ name: 'amount', drifted: true });
    const drifted = columns.map((c) => c.drifted);
    expect(drifted).toEqual([...drifted].sort((a, b) => Number(b) - Number(a)));

    // One h1; no heading level skipped.
    const levels = await page.locator('h1, h2, h3, h4, h5, h6').evaluateAll((hs) => hs.map((h) => Number(h.tagName[1])));
    expect(levels.filter((l) => l === 1)).toHaveLength(1);
    expect(levels[0]).toBe(1);
    levels.forEach((level, k) => k > 0 && expect(level).toBeLessThanOrEqual(levels[k - 1]! + 1));

    const screenshot = join(dir, 'report.png');
    await page.screenshot({ path: screenshot });
    expect(readFileSync(screenshot).subarray(1, 4).toString()).toBe('PNG');
    expect(statSync(screenshot).size).toBeGreaterThan(20_000);
    await context.close();
  });

  it('axe-core finds no serious or critical accessibility violation (contrast included)', async () => {
    // The page's CSP forbids every script; this context lets axe's own in.
    const context = await browser.newContext({ offline: true, bypassCSP: true });
    const page = await context.newPage();
    await page.goto(pathToFileURL(reportPath).href);
    await page.addScriptTag({ content: AXE_SOURCE });
    const violations = await page.evaluate(async () => {
      const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string; nodes: unknown[] }[] }> } })
        .axe;
      const result = await axe.run();
      return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }));
    });
    expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
    await context.close();
  });
});
