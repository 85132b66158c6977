import { parse, stringify } from 'yaml';
import { fastPrometheusConfig, type Yaml } from '../../scripts/stack/native-config.js';

/**
 * alert-rules.yml for an end-to-end test: every window of `windows` replaced in each rule's
 * expression (in the order given), each alert's `for:` set to `forOf(alert)` and any
 * keep_firing_for to 2s; expressions otherwise unchanged.
 */
export function shortenRules(text: string, windows: Record<string, string>, forOf: (alert: string) => string): string {
  const rules = parse(text) as Yaml;
  for (const group of rules['groups'] as Yaml[]) {
    for (const rule of group['rules'] as Yaml[]) {
      let expr = rule['expr'] as string;
      for (const [from, to] of Object.entries(windows)) expr = expr.replaceAll(from, to);
      rule['expr'] = expr;
      if (rule['alert'] === undefined) continue;
      rule['for'] = forOf(rule['alert'] as string);
      if (rule['keep_firing_for'] !== undefined) rule['keep_firing_for'] = '2s';
    }
  }
  return stringify(rules);
}

/** prometheus.yml made fast (fastPrometheusConfig), its ml-service job scraping every replica's port. */
export function fleetPrometheusConfig(text: string, replicaPorts: readonly number[], alertmanagerPort: number): string {
  const config = parse(fastPrometheusConfig(text, replicaPorts[0]!, alertmanagerPort)) as Yaml;
  const job = (config['scrape_configs'] as Yaml[]).find((j) => j['job_name'] === 'ml-service')!;
  job['static_configs'] = [{ targets: replicaPorts.map((port) => `127.0.0.1:${port}`) }];
  return stringify(config);
}
