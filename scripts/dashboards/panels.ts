import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as heatmap from '@grafana/grafana-foundation-sdk/heatmap';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';

/** The fixed uid of grafana-datasources.yml: dashboards never depend on a data source's name. */
export const PROMETHEUS: common.DataSourceRef = { type: 'prometheus', uid: 'prometheus' };

/** Every ml-service series carries the scrape job of prometheus.yml. */
export const JOB = 'job="ml-service"';
/** The model filter of both dashboards' variables. */
export const MODEL = 'model_name=~"$model_name",model_version=~"$model_version"';
export const PREDICT_ROUTES = 'http_route=~"/predict|/predict/batch"';

export function query(expr: string, legend?: string): prometheus.DataqueryBuilder {
  const q = new prometheus.DataqueryBuilder().datasource(PROMETHEUS).editorMode(prometheus.QueryEditorMode.Code).expr(expr).range();
  return legend === undefined ? q : q.legendFormat(legend);
}

export function instantTable(expr: string, refId: string): prometheus.DataqueryBuilder {
  return new prometheus.DataqueryBuilder()
    .datasource(PROMETHEUS)
    .editorMode(prometheus.QueryEditorMode.Code)
    .expr(expr)
    .instant()
    .format(prometheus.PromQueryFormat.Table)
    .refId(refId);
}

/** A variable over one label of one metric, filtered by the variables before it. */
export function labelVariable(name: string, label: string, selector: string): dashboard.QueryVariableBuilder {
  const definition = `label_values(${selector}, ${label})`;
  return new dashboard.QueryVariableBuilder(name)
    .label(label)
    .datasource(PROMETHEUS)
    .query(definition)
    .definition(definition)
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue('.*');
}

/** The settings every ml-service dashboard shares; each then adds its links, variables and panels. */
export function serviceDashboard(
  title: string,
  { uid, description, tags, refresh, from }: { uid: string; description: string; tags: string[]; refresh: string; from: string },
): dashboard.DashboardBuilder {
  return new dashboard.DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags(tags)
    .readonly()
    .timezone('browser')
    .refresh(refresh)
    .time({ from, to: 'now' })
    .tooltip(dashboard.DashboardCursorSync.Crosshair);
}

/** A link to another ml-service dashboard that carries the variables and the time range. */
export function dashboardLink(title: string, uid: string): dashboard.DashboardLinkBuilder {
  return new dashboard.DashboardLinkBuilder(title).type(dashboard.DashboardLinkType.Link).url(`/d/${uid}`).includeVars(true).keepTime(true);
}

/** Firing alerts of the selected models (ALERTS, by alert name) as annotations, titled by alert name. */
export function alertAnnotation(name: string, alertnames: string[], textFormat: string, step: string): dashboard.AnnotationQueryBuilder {
  return new dashboard.AnnotationQueryBuilder()
    .name(name)
    .datasource(PROMETHEUS)
    .enable(true)
    .iconColor('red')
    .expr(`ALERTS{alertname=~"${alertnames.join('|')}",alertstate="firing",${MODEL}}`)
    .titleFormat('{{alertname}}')
    .textFormat(textFormat)
    .step(step);
}

export function thresholds(...steps: [number | null, string][]): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder()
    .mode(dashboard.ThresholdsMode.Absolute)
    .steps(steps.map(([value, color]) => ({ value, color })));
}

export function graph(title: string, description: string, unit: string): timeseries.PanelBuilder {
  return new timeseries.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(PROMETHEUS)
    .unit(unit)
    .height(8)
    .span(12)
    .lineWidth(1)
    .fillOpacity(10)
    .legend(
      new common.VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(common.LegendDisplayMode.List)
        .placement(common.LegendPlacement.Bottom),
    )
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending));
}

export function singleStat(title: string, description: string, unit: string, expr: string): stat.PanelBuilder {
  return new stat.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(PROMETHEUS)
    .unit(unit)
    .height(4)
    .span(6)
    .graphMode(common.BigValueGraphMode.Area)
    .colorMode(common.BigValueColorMode.Value)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .withTarget(query(expr));
}

/** 0/1 decisions shown as words. */
export const DECISION_MAPPINGS: dashboard.ValueMapping[] = [
  {
    type: dashboard.MappingType.ValueToText,
    options: { '0': { text: 'no drift', color: 'green', index: 0 }, '1': { text: 'drift', color: 'red', index: 1 } },
  },
];

/**
 * A heatmap of a Prometheus histogram: one cell per bucket and interval, from the buckets
 * themselves (format heatmap), not re-bucketed by Grafana.
 */
export function bucketHeatmap(title: string, description: string, unit: string, expr: string): heatmap.PanelBuilder {
  return new heatmap.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(PROMETHEUS)
    .height(8)
    .span(12)
    .calculate(false)
    .yAxis(new heatmap.YAxisConfigBuilder().unit(unit))
    .rowsFrame(new heatmap.RowsHeatmapOptionsBuilder().layout(common.HeatmapCellLayout.Le))
    .color(
      new heatmap.HeatmapColorOptionsBuilder()
        .mode(heatmap.HeatmapColorMode.Scheme)
        .scheme('Oranges')
        .scale(heatmap.HeatmapColorScale.Exponential)
        .exponent(0.5)
        .steps(64),
    )
    .cellGap(1)
    .showValue(common.VisibilityMode.Never)
    .tooltip(new heatmap.HeatmapTooltipBuilder().mode(common.TooltipDisplayMode.Single).yHistogram(true))
    .withTarget(query(expr, '{{le}}').format(prometheus.PromQueryFormat.Heatmap));
}
