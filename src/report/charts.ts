/**
 * The report's charts: Vega-Lite specifications compiled to Vega and rendered to SVG strings by
 * Vega's headless View (renderer 'none', View.toSVG(): no canvas, no DOM, no network). The page
 * inlines the SVG, so it is readable without JavaScript. Vega escapes every text and attribute it
 * writes (vega-scenegraph's SVG markup), which the escaping property test checks.
 *
 * Loading Vega takes a few hundred milliseconds and rendering a chart a few: the service imports
 * this module only in its report worker (report-worker.ts), never on its event loop.
 */
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { ColumnDistribution } from '../drift/distributions.js';
import type { CalibrationInput } from './report-input.js';

/** Reference blue and current orange from the Tableau 10 scheme (Vega's default), darkened for contrast on white. */
export const REFERENCE_COLOUR = '#3b6a9a';
export const CURRENT_COLOUR = '#c4561d';

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

const BASE_CONFIG = {
  font: FONT,
  view: { stroke: '#bbb' },
  axis: { labelColor: '#222', titleColor: '#222', labelFontSize: 11, titleFontSize: 11, labelLimit: 140 },
  legend: { labelColor: '#222', titleColor: '#222', orient: 'top' as const, title: null },
};

/** Grouped bars: reference and current share per bin, bins in the distribution's order. */
export function distributionSpec(distribution: ColumnDistribution): TopLevelSpec {
  const values = distribution.bins.flatMap((bin, k) => [
    { order: k, bin: bin.label, dataset: 'reference', share: bin.reference },
    { order: k, bin: bin.label, dataset: 'current', share: bin.current },
  ]);
  const many = distribution.bins.length > 12;
  return {
    width: many ? Math.min(720, 22 * distribution.bins.length) : 380,
    height: 170,
    data: { values },
    // No ARIA label per bar: the shares table under the chart gives screen readers the same numbers once.
    mark: { type: 'bar', aria: false },
    encoding: {
      x: {
        field: 'bin',
        type: 'nominal',
        sort: { field: 'order' },
        title: distribution.kind === 'numerical' ? 'bin (reference deciles)' : 'category',
        axis: { labelAngle: -35 },
      },
      xOffset: { field: 'dataset', sort: ['reference', 'current'] },
      y: { field: 'share', type: 'quantitative', title: 'share', axis: { format: '.0%' } },
      color: {
        field: 'dataset',
        type: 'nominal',
        sort: ['reference', 'current'],
        scale: { domain: ['reference', 'current'], range: [REFERENCE_COLOUR, CURRENT_COLOUR] },
      },
      tooltip: [
        { field: 'bin', type: 'nominal' },
        { field: 'dataset', type: 'nominal' },
        { field: 'share', type: 'quantitative', format: '.2%' },
      ],
    },
    config: BASE_CONFIG,
  };
}

/**
 * Reliability per score bucket: the observed positive rate against the mean score, holdout and
 * live, with the diagonal of perfect calibration.
 */
export function calibrationSpec(rows: readonly CalibrationInput[]): TopLevelSpec {
  const values = rows.flatMap((row) => [
    ...(row.referenceMeanScore !== null && row.referencePositiveRate !== null
      ? [{ source: 'reference (holdout)', score: row.referenceMeanScore, rate: row.referencePositiveRate, rows: row.referenceRows ?? 0 }]
      : []),
    ...(row.liveMeanScore !== null && row.livePositiveRate !== null
      ? [{ source: 'live labels', score: row.liveMeanScore, rate: row.livePositiveRate, rows: row.labels ?? 0 }]
      : []),
  ]);
  return {
    width: 380,
    height: 240,
    layer: [
      {
        data: {
          values: [
            { score: 0, rate: 0 },
            { score: 1, rate: 1 },
          ],
        },
        mark: { type: 'line', color: '#888', strokeDash: [4, 4] },
        encoding: { x: { field: 'score', type: 'quantitative' }, y: { field: 'rate', type: 'quantitative' } },
      },
      {
        data: { values },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'score', type: 'quantitative', title: 'mean score in bucket', scale: { domain: [0, 1] } },
          y: { field: 'rate', type: 'quantitative', title: 'observed positive rate', scale: { domain: [0, 1] } },
          color: {
            field: 'source',
            type: 'nominal',
            scale: { domain: ['reference (holdout)', 'live labels'], range: [REFERENCE_COLOUR, CURRENT_COLOUR] },
          },
        },
      },
    ],
    config: BASE_CONFIG,
  };
}

/** One chart as an SVG string. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
