import { fileURLToPath } from 'node:url';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { driftDashboard, DRIFT_UID } from './drift-dashboard.js';
import { overviewDashboard, OVERVIEW_UID } from './overview-dashboard.js';
import { performanceDashboard, PERFORMANCE_UID } from './performance-dashboard.js';

/** Where Grafana's provider (grafana/dashboards.yml) finds them. */
export const DASHBOARDS_DIR = fileURLToPath(new URL('../../grafana/dashboards/', import.meta.url));

/**
 * Panel ids in layout order and query refIds in panel order. The builders leave panels without
 * an id (rows at 0) and queries without a refId; Grafana keys panel links (`viewPanel=<id>`) and
 * transformations on them, so they must be unique and stable.
 */
function numberPanels(board: dashboard.Dashboard): dashboard.Dashboard {
  let id = 0;
  const number = (panel: dashboard.Panel | dashboard.RowPanel) => {
    panel.id = ++id;
    if ('panels' in panel) panel.panels.forEach(number);
    // cog.Dataquery is opaque; every query of these dashboards is a prometheus.Dataquery.
    const targets = ('targets' in panel ? panel.targets : undefined) as { refId?: string }[] | undefined;
    targets?.forEach((target, i) => (target.refId ??= String.fromCharCode(65 + i)));
  };
  board.panels?.forEach(number);
  return board;
}

/** Every provisioned dashboard: file name (its uid) -> the JSON text committed in grafana/dashboards/. */
export function renderDashboards(): Map<string, string> {
  const boards: [string, dashboard.Dashboard][] = [
    [OVERVIEW_UID, overviewDashboard()],
    [DRIFT_UID, driftDashboard()],
    [PERFORMANCE_UID, performanceDashboard()],
  ];
  return new Map(boards.map(([uid, board]) => [`${uid}.json`, `${JSON.stringify(numberPanels(board), null, 2)}\n`]));
}
