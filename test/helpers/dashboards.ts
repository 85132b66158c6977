import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DASHBOARDS_DIR } from '../../scripts/dashboards/render-dashboards.js';
import { loadYaml } from '../alerts/load-yaml.js';
import { REPO_ROOT } from '../alerts/rule-file.js';

/**
 * The committed Grafana dashboards and the PromQL they and the data sources hold: read by the
 * static checks (test/unit/ops) and parsed by promtool (test/stack/config-check.test.ts).
 */

export interface Target {
  expr?: string;
  datasource?: { type?: string; uid?: string };
}
export interface Panel {
  type: string;
  title?: string;
  targets?: Target[];
  panels?: Panel[];
}
export interface Dashboard {
  uid: string;
  panels: Panel[];
  templating: { list: { query?: string }[] };
  annotations?: { list?: { expr?: string }[] };
}

export const dashboardFileNames = (): string[] => readdirSync(DASHBOARDS_DIR).filter((name) => name.endsWith('.json'));
export const loadDashboards = (): Dashboard[] =>
  dashboardFileNames().map((name) => JSON.parse(readFileSync(join(DASHBOARDS_DIR, name), 'utf8')) as Dashboard);
export const allPanels = (panels: Panel[]): Panel[] => panels.flatMap((panel) => [panel, ...allPanels(panel.panels ?? [])]);

/** Every PromQL expression a dashboard holds (panels, annotations, label_values selectors). */
export function dashboardExpressions(board: Dashboard): string[] {
  const panels = allPanels(board.panels).flatMap((panel) => (panel.targets ?? []).flatMap((t) => (t.expr ? [t.expr] : [])));
  const annotations = (board.annotations?.list ?? []).flatMap((a) => (a.expr ? [a.expr] : []));
  const variables = board.templating.list.flatMap((v) => {
    const selector = v.query && /^label_values\((.+), \w+\)$/.exec(v.query)?.[1];
    return selector ? [selector] : [];
  });
  return [...panels, ...annotations, ...variables];
}

/** The PromQL of grafana-datasources.yml (Tempo's traces-to-metrics queries). */
export const datasourceExpressions = (): string[] =>
  (
    loadYaml(join(REPO_ROOT, 'grafana-datasources.yml')) as {
      datasources: { jsonData?: { tracesToMetrics?: { queries: { query: string }[] } } }[];
    }
  ).datasources.flatMap((d) => d.jsonData?.tracesToMetrics?.queries.map((q) => q.query) ?? []);

/** Grafana's variables replaced by values Prometheus accepts. */
export const asPromQL = (expr: string) =>
  expr.replace(/\$__(rate_interval|interval|range)\b/g, '5m').replace(/\$\{?(\w+)(?::\w+)?\}?/g, 'x');
