import { fileURLToPath } from 'node:url';
import { loadYaml } from './load-yaml.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const RULES_FILE = `${REPO_ROOT}alert-rules.yml`;
export const ALERT_TESTS_DIR = fileURLToPath(new URL('./', import.meta.url));

export interface Rule {
  readonly alert?: string;
  readonly record?: string;
  readonly expr: string;
  readonly for?: string;
  readonly keep_firing_for?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}
export interface RuleGroup {
  readonly name: string;
  readonly interval?: string;
  readonly rules: readonly Rule[];
}
export interface AlertRule extends Rule {
  readonly alert: string;
  readonly group: string;
}

/** The groups of alert-rules.yml, as Prometheus reads them. */
export function loadRuleGroups(path = RULES_FILE): RuleGroup[] {
  return (loadYaml(path) as { groups: RuleGroup[] }).groups;
}

export function alertRules(groups = loadRuleGroups()): AlertRule[] {
  return groups.flatMap((group) =>
    group.rules.filter((r): r is Rule & { alert: string } => r.alert !== undefined).map((r) => ({ ...r, group: group.name })),
  );
}

export function recordingRuleNames(groups = loadRuleGroups()): string[] {
  return groups.flatMap((group) => group.rules.flatMap((r) => (r.record === undefined ? [] : [r.record])));
}
