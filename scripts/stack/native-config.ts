import { parse, stringify } from 'yaml';

/**
 * The repository's prometheus.yml, alert-rules.yml and alertmanager.yml, rewritten for a native
 * stack on loopback (npm run stack, and the end-to-end test): targets, intervals and `for:`
 * durations change; expressions, alerts and routes do not.
 */
export type Yaml = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** alert-rules.yml with minutes turned into seconds: same expressions, same alerts. */
export function fastRules(text: string): string {
  return text
    .replace(/^(\s+)for: \S+$/gm, '$1for: 2s')
    .replace(/^(\s+)keep_firing_for: \S+$/gm, '$1keep_firing_for: 2s')
    .replace(/\[30m\]/g, '[8s]');
}

export function fastPrometheusConfig(text: string, servicePort: number, alertmanagerPort: number): string {
  const config = parse(text) as Yaml;
  config['global'] = { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' };
  config['alerting']['alertmanagers'][0]['static_configs'] = [{ targets: [`127.0.0.1:${alertmanagerPort}`] }];
  const jobs = (config['scrape_configs'] as Yaml[]).filter((job) => job['job_name'] !== 'prometheus');
  for (const job of jobs) {
    // The compose file's ml-service job finds its replicas by DNS; here there is one, on loopback.
    delete job['dns_sd_configs'];
    job['static_configs'] = [{ targets: [`127.0.0.1:${job['job_name'] === 'ml-service' ? servicePort : alertmanagerPort}`] }];
  }
  config['scrape_configs'] = jobs;
  return stringify(config);
}

export function fastAlertmanagerConfig(text: string, dir: { slackUrlFile: string; routingKeyFile: string }, sink: string): string {
  const config = parse(text) as Yaml;
  const shorten = (route: Yaml) => {
    if ('group_wait' in route) route['group_wait'] = '1s';
    if ('group_interval' in route) route['group_interval'] = '1s';
    for (const child of (route['routes'] as Yaml[] | undefined) ?? []) shorten(child);
  };
  config['route']['group_wait'] = '1s';
  config['route']['group_interval'] = '1s';
  shorten(config['route']);
  for (const receiver of config['receivers'] as Yaml[]) {
    for (const slack of (receiver['slack_configs'] as Yaml[] | undefined) ?? []) slack['api_url_file'] = dir.slackUrlFile;
    for (const pd of (receiver['pagerduty_configs'] as Yaml[] | undefined) ?? []) {
      pd['routing_key_file'] = dir.routingKeyFile;
      pd['url'] = `${sink}/pagerduty`;
    }
  }
  return stringify(config);
}
