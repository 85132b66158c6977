/**
 * What the HTML report is built from: one drift evaluation (the CLI's DriftReport or the service's
 * ModelDriftReport), the distributions of the same data, where the data came from, and, when
 * there is ground truth, performance figures. Plain, structured-clone-safe data: the service sends
 * it to the report worker.
 */
import type { Column } from '../drift/dataset.js';
import { columnDistributions, type ColumnDistribution } from '../drift/distributions.js';
import type { ColumnReport, DriftReport } from '../drift/methods/report.js';

export interface ReportColumn {
  readonly name: string;
  readonly report: ColumnReport;
  /** Absent when the distributions were not computed (the column is then listed without a chart). */
  readonly distribution?: ColumnDistribution;
}

export interface ReportInput {
  /** The page's subject: a model (name@version) or the compared files. */
  readonly title: string;
  /** The drift method; any string (a method the renderer does not know is shown as is). */
  readonly method: string;
  /** When the evaluation ran (ISO 8601). */
  readonly evaluatedAt: string;
  /** Which data were compared, in words (file paths, the window), in display order. */
  readonly data: readonly { readonly label: string; readonly value: string }[];
  readonly datasetDrift: boolean;
  readonly shareOfDriftedColumns: number;
  readonly driftedColumns: readonly string[];
  readonly numberOfColumns: number;
  /** 'ok' or 'insufficient_data' (service: the window is smaller than DRIFT_MIN_ROWS). */
  readonly status?: string;
  readonly columns: readonly ReportColumn[];
  /** The model's score distribution drift (service and --model-dir with scores); absent otherwise. */
  readonly prediction?: ReportColumn;
  readonly performance?: PerformanceInput;
}

/** One figure of the performance table; null where it cannot be computed (no labels yet). */
export interface PerformanceFigure {
  readonly metric: string;
  readonly reference: number | null;
  readonly realised: number | null;
  readonly estimated: number | null;
}

export interface CalibrationInput {
  readonly bucketUpper: number;
  /** The holdout's (performance.json); null when its table has no row for this bucket. */
  readonly referenceRows: number | null;
  readonly referenceMeanScore: number | null;
  readonly referencePositiveRate: number | null;
  /** The live labels in this bucket (null without any). */
  readonly labels: number | null;
  readonly liveMeanScore: number | null;
  readonly livePositiveRate: number | null;
}

export interface PerformanceInput {
  readonly decisionThreshold: number;
  /** Where the live figures come from, in words. */
  readonly source: string;
  readonly labels: number;
  readonly positives: number;
  readonly figures: readonly PerformanceFigure[];
  readonly calibration: readonly CalibrationInput[];
  /** Why a figure is missing or how it is estimated (shown under the table). */
  readonly notes: readonly string[];
}

/**
 * The report of one comparison of two datasets (the CLI's, and tests'): the evaluation, the
 * distributions of the same columns, and where the data came from.
 */
export function datasetReportInput(
  report: DriftReport,
  context: { readonly title: string; readonly evaluatedAt: string; readonly data: ReportInput['data'] },
  reference: readonly Column[],
  current: readonly Column[],
): ReportInput {
  return {
    ...context,
    method: report.method,
    datasetDrift: report.dataset_drift,
    shareOfDriftedColumns: report.share_of_drifted_columns,
    driftedColumns: report.drifted_columns,
    numberOfColumns: report.number_of_columns,
    columns: columnDistributions(reference, current).map((distribution) => ({
      name: distribution.name,
      report: report.columns[distribution.name]!,
      distribution,
    })),
  };
}
