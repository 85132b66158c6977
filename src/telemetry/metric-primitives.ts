/**
 * Counters, gauges and histograms for the request path, rendered by prom-client registries.
 *
 * Why not prom-client's own metrics: its observe() validates and hashes the label set on every
 * call (≈ 400 ns per Histogram.observe, ≈ 250 ns per Counter.inc; `npm run bench -- --only metrics`,
 * README "Metric updates"); a single-row prediction updates about 25 series, which cost ≈ 20 % of
 * throughput. Here every series is an object created once, when its label values are first asked
 * for, and an update is an array index and an add (≈ 8 ns per observation, ≈ 1 ns per increment).
 * prom-client still does what it is good at: registries, both exposition formats, exemplars in
 * OpenMetrics, and the process metrics.
 *
 * Label values are never taken from requests: callers ask for series with values from the model
 * registry, schemas and closed enums, so the number of series is bounded by configuration.
 */

type LabelValues = readonly string[];

/** The object shape prom-client's Registry renders (duck-typed by registerMetric / metrics()). */
export interface PromClientMetricView {
  name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly aggregator: 'sum';
  get(): Promise<{ name: string; help: string; type: string; aggregator: 'sum'; values: PromClientValue[] }>;
  reset(): void;
}

interface PromClientExemplar {
  labelSet: Record<string, string>;
  value: number;
  timestamp: number;
}

interface PromClientValue {
  labels: Record<string, string | number>;
  /** Rendered after `labels`; prom-client caches their formatting per object. */
  sharedLabels?: Record<string, string>;
  value: number;
  metricName?: string;
  exemplar?: PromClientExemplar | null;
}

export type ExpositionFormat = 'text' | 'openmetrics';

/**
 * A registry's exposition in `format`. prom-client escapes backslash and newline in HELP but not
 * the double quote, which OpenMetrics requires there (its ABNF: HELP is an escaped-string, whose
 * normal-char excludes DQUOTE; client_golang writes \" too). The text format must not get it:
 * its HELP knows only \\ and \n, and Prometheus' text parser rejects \" ("invalid escape sequence").
 * prom-client writes no quote anywhere else on a HELP line, so a quote there is always help text.
 */
export async function renderExposition(registry: { metrics(): Promise<string> }, format: ExpositionFormat): Promise<string> {
  const text = await registry.metrics();
  if (format === 'text') return text;
  return text.replace(/^# HELP .*".*$/gm, (line) => line.replaceAll('"', '\\"'));
}

abstract class Family<S> {
  private readonly byKey = new Map<string, S>();
  protected readonly series: { labels: Record<string, string>; series: S }[] = [];
  /** Called before each rendering, for values that live elsewhere (e.g. span exporter counts). */
  private readonly collectors: (() => void)[] = [];

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {}

  /** The series for these label values (same order as labelNames), created on first use. */
  labels(...values: LabelValues): S {
    if (values.length !== this.labelNames.length) {
      throw new Error(`${this.name}: expected ${this.labelNames.length} label values, got ${values.length}`);
    }
    const key = values.join('\u0000');
    let series = this.byKey.get(key);
    if (series === undefined) {
      series = this.create();
      this.byKey.set(key, series);
      this.series.push({ labels: Object.fromEntries(this.labelNames.map((n, i) => [n, values[i]!])), series });
    }
    return series;
  }

  /**
   * Drop the series whose labels match `predicate`. Only for gauges describing a computed state
   * that can change shape (which drift test applies to a feature); never for counters.
   */
  removeWhere(predicate: (labels: Readonly<Record<string, string>>) => boolean): void {
    for (let i = this.series.length - 1; i >= 0; i--) {
      const { labels } = this.series[i]!;
      if (!predicate(labels)) continue;
      this.byKey.delete(this.labelNames.map((n) => labels[n]).join('\u0000'));
      this.series.splice(i, 1);
    }
  }

  /** Number of series: what the cardinality tests watch. */
  get size(): number {
    return this.series.length;
  }

  onCollect(collect: () => void): void {
    this.collectors.push(collect);
  }

  private collected(format: ExpositionFormat): PromClientValue[] {
    for (const collect of this.collectors) collect();
    return this.samples(format);
  }

  protected abstract create(): S;
  protected abstract samples(format: ExpositionFormat): PromClientValue[];
  protected abstract readonly type: 'counter' | 'gauge' | 'histogram';

  /**
   * A view for one registry. Counters are named `x_total` in the text format, while OpenMetrics
   * names the family `x` and its sample `x_total` (prom-client appends the suffix): one view per
   * format avoids prom-client renaming a shared metric object when both formats are served.
   */
  view(format: ExpositionFormat): PromClientMetricView {
    const name = this.type === 'counter' && format === 'openmetrics' ? this.name.replace(/_total$/, '') : this.name;
    const { help, type } = this;
    const collected = () => this.collected(format);
    return {
      name,
      help,
      type,
      aggregator: 'sum',
      async get() {
        return { name, help, type, aggregator: 'sum', values: collected() };
      },
      reset() {
        /* series live as long as the process: Prometheus counters must not go back */
      },
    };
  }
}

export class CounterSeries {
  value = 0;
  /**
   * A NaN or negative increment is ignored: a counter's total must be non-NaN and never go down
   * (OpenMetrics, Counter), and one bad call must not poison the series until the process restarts.
   * prom-client throws instead; a throw here would reach the request.
   */
  inc(by = 1): void {
    if (by > 0) this.value += by;
  }
}

/** A family whose series each hold one value (counters and gauges): one sample per series. */
abstract class SingleValueFamily<S extends { readonly value: number }> extends Family<S> {
  protected samples(): PromClientValue[] {
    return this.series.map(({ labels, series }) => ({ labels, value: series.value }));
  }
}

export class CounterFamily extends SingleValueFamily<CounterSeries> {
  protected readonly type = 'counter' as const;
  protected create() {
    return new CounterSeries();
  }
}

export class GaugeSeries {
  value = 0;
  set(value: number): void {
    this.value = value;
  }
  inc(by = 1): void {
    this.value += by;
  }
  dec(by = 1): void {
    this.value -= by;
  }
}

export class GaugeFamily extends SingleValueFamily<GaugeSeries> {
  protected readonly type = 'gauge' as const;
  protected create() {
    return new GaugeSeries();
  }
}

/**
 * What an observation does, for histograms whose bucket bounds are all >= 0 (the only kind
 * HistogramFamily builds; see there). OpenMetrics 1.0, Histogram: "Semantically, Sum, and buckets
 * values are counters so MUST NOT be NaN or negative", and "If present, the Sum value MUST equal
 * the Sum of all the measured event values".
 *
 * - NaN is recorded nowhere: it is in no bucket (NaN <= le is false even for +Inf), the +Inf bucket
 *   must equal _count, and a NaN _sum would stay NaN forever. observe() returns -1 for it. No new
 *   series counts it: for the score histograms, ml_predictions_total{status="success"} minus their
 *   _count is the number of rows the model scored NaN.
 * - A negative value (and -Inf) is clamped to 0, the lower edge of what the buckets describe: it is
 *   counted in the lowest bucket (le = first bound, which holds every value below it anyway) and in
 *   _count, and adds 0 to _sum. So _sum is the sum of max(value, 0): it never goes down, rate() on it
 *   stays valid, and the bucket counts are exactly what they would be unclamped.
 * - +Inf is counted in the +Inf bucket and makes _sum +Inf, as the spec's "sum of all the measured
 *   values" says and client_golang does; the schema keeps request values finite (feature-schema.ts).
 */
export class HistogramSeries {
  /** Non-cumulative counts per bucket; the last slot is +Inf. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  private readonly exemplarTraceIds: (string | undefined)[];
  private readonly exemplarValues: Float64Array;
  private readonly exemplarTimes: Float64Array;

  constructor(private readonly bounds: Float64Array) {
    this.counts = new Float64Array(bounds.length + 1);
    this.exemplarTraceIds = new Array<string | undefined>(bounds.length + 1);
    this.exemplarValues = new Float64Array(bounds.length + 1);
    this.exemplarTimes = new Float64Array(bounds.length + 1);
  }

  /** Record `value`; returns its bucket, or -1 for NaN (not recorded). See the class comment. */
  observe(value: number): number {
    // One comparison on the common path: false for NaN and for negatives.
    if (!(value >= 0)) {
      if (Number.isNaN(value)) return -1;
      value = 0;
    }
    const bounds = this.bounds;
    let bucket = 0;
    // Linear scan: 8-14 buckets, cheaper than a binary search at this size.
    while (bucket < bounds.length && value > bounds[bucket]!) bucket++;
    this.counts[bucket]!++;
    this.sum += value;
    this.count++;
    return bucket;
  }

  /**
   * Observe and remember `traceId` as the bucket's exemplar (OpenMetrics only renders these). The
   * exemplar keeps the value as given: a clamped negative still lies in its bucket's range.
   */
  observeWithExemplar(value: number, traceId: string): void {
    const bucket = this.observe(value);
    if (bucket < 0) return;
    this.exemplarTraceIds[bucket] = traceId;
    this.exemplarValues[bucket] = value;
    this.exemplarTimes[bucket] = Date.now() / 1000;
  }

  exemplar(bucket: number): PromClientExemplar | null {
    const traceId = this.exemplarTraceIds[bucket];
    if (traceId === undefined) return null;
    return { labelSet: { trace_id: traceId }, value: this.exemplarValues[bucket]!, timestamp: this.exemplarTimes[bucket]! };
  }
}

export class HistogramFamily extends Family<HistogramSeries> {
  protected readonly type = 'histogram' as const;
  private readonly bounds: Float64Array;

  constructor(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]) {
    super(name, help, labelNames);
    if (labelNames.includes('le')) throw new Error(`${name}: "le" is reserved`);
    // Finite, unique and increasing (the +Inf bucket is always added), and never negative: with a
    // negative bound OpenMetrics forbids the _sum ("Negative threshold buckets MAY be used, but then
    // the Histogram MetricPoint MUST NOT contain a sum value"), which the seed metrics expose. A
    // signed quantity is two histograms, as the Prometheus docs suggest ("Histograms and summaries").
    buckets.forEach((bound, i) => {
      if (!(Number.isFinite(bound) && bound >= 0 && (i === 0 || bound > buckets[i - 1]!))) {
        throw new Error(`${name}: bucket bounds must be finite, >= 0 and increasing, got [${buckets.join(', ')}]`);
      }
    });
    this.bounds = Float64Array.from(buckets);
  }

  protected create() {
    return new HistogramSeries(this.bounds);
  }

  protected samples(format: ExpositionFormat): PromClientValue[] {
    const values: PromClientValue[] = [];
    const withExemplars = format === 'openmetrics';
    for (const { labels, series } of this.series) {
      let cumulative = 0;
      for (let b = 0; b <= this.bounds.length; b++) {
        cumulative += series.counts[b]!;
        // The same layout as prom-client's own histograms: `le` first, then the series labels.
        values.push({
          labels: { le: b < this.bounds.length ? this.bounds[b]! : '+Inf' },
          sharedLabels: labels,
          value: cumulative,
          metricName: `${this.name}_bucket`,
          exemplar: withExemplars ? series.exemplar(b) : null,
        });
      }
      values.push({ labels: {}, sharedLabels: labels, value: series.sum, metricName: `${this.name}_sum` });
      values.push({ labels: {}, sharedLabels: labels, value: series.count, metricName: `${this.name}_count` });
    }
    return values;
  }
}
