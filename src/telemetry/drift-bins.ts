import type { CounterSeries } from './metric-primitives.js';
import type { Metrics } from './metrics.js';

/**
 * One model's fleet drift bins as the metrics show them. Declared here, structurally, because
 * telemetry does not import drift/: app.ts hands over the drift monitor's bin counts
 * (drift/fleet-bins.ts BinCounts), which satisfy it.
 */
export interface DriftBinsSource {
  readonly features: readonly {
    readonly name: string;
    readonly kind: 'numerical' | 'categorical';
    readonly bins: readonly string[];
    readonly edges: Float64Array;
    readonly referenceRatios: Float64Array;
  }[];
  /** Count per (feature, bin), features in order, each feature's bins in order: read at scrape time. */
  readonly counts: Float64Array;
}

/**
 * Create every bin series of a model at startup: ml_drift_bin_rows_total at 0, the reference
 * ratios and upper edges set once. The request path only increments `source.counts` (a typed
 * array owned by the drift monitor); the counters take those values when Prometheus scrapes, so
 * scoring a row touches no metric object and looks up no label.
 */
export function publishDriftBins(metrics: Metrics, modelName: string, modelVersion: string, source: DriftBinsSource): void {
  const series: CounterSeries[] = [];
  for (const feature of source.features) {
    feature.bins.forEach((bin, k) => {
      series.push(metrics.driftBinRows.labels(modelName, modelVersion, feature.name, bin));
      metrics.driftReferenceBinRatio.labels(modelName, modelVersion, feature.name, bin).set(feature.referenceRatios[k]!);
      // Value bins of numeric features: (edges[k-1], edges[k]]. The last one is open (up to +Inf)
      // and has no series: every drift gauge stays finite.
      if (feature.kind === 'numerical' && k < feature.edges.length)
        metrics.driftBinUpperEdge.labels(modelName, modelVersion, feature.name, bin).set(feature.edges[k]!);
    });
  }
  if (series.length !== source.counts.length) throw new RangeError(`${series.length} bin series for ${source.counts.length} counts`);
  const counts = source.counts;
  metrics.driftBinRows.onCollect(() => {
    for (let i = 0; i < series.length; i++) series[i]!.value = counts[i]!;
  });
}
