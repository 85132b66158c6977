/**
 * Charts and page together: what the CLI calls in its own process and the service's report
 * worker calls off the event loop. Charts render one after another: Vega's headless views are
 * CPU-bound, so running them concurrently would only interleave them.
 */
import { calibrationSpec, distributionSpec, renderSvg } from './charts.js';
import { buildReportHtml } from './html-report.js';
import type { ReportInput } from './report-input.js';

export async function renderReport(input: ReportInput): Promise<string> {
  const columns = new Map<string, string>();
  for (const column of input.columns) {
    if (column.distribution) columns.set(column.name, await renderSvg(distributionSpec(column.distribution)));
  }
  const prediction = input.prediction?.distribution ? await renderSvg(distributionSpec(input.prediction.distribution)) : undefined;
  const calibration =
    input.performance && input.performance.calibration.length > 0
      ? await renderSvg(calibrationSpec(input.performance.calibration))
      : undefined;
  return buildReportHtml(input, {
    columns,
    ...(prediction !== undefined && { prediction }),
    ...(calibration !== undefined && { calibration }),
  });
}
