import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const KUBERNETES_DIR = fileURLToPath(new URL('../../deploy/kubernetes/', import.meta.url));

/** Generated file (relative to deploy/kubernetes/) -> the repository-root file it is made from. */
export const GENERATED_FROM = {
  'components/prometheus-operator/prometheus-rule.yaml': 'alert-rules.yml',
  'components/alertmanager/alertmanager.yaml': 'alertmanager.yml',
} as const;

const header = (source: string, what: string) =>
  [
    `# Generated from ${source} by \`npm run k8s:rules\` (scripts/kubernetes-rules.ts): edit ${source},`,
    `# then run it. ${what}`,
    '# test/unit/ops/kubernetes.test.ts fails while the two differ.',
  ].join('\n');

/**
 * alert-rules.yml's groups, unchanged, as a prometheus-operator PrometheusRule. Its selectors say
 * job="ml-service": the ServiceMonitor gives the scraped series that job (jobLabel).
 */
function prometheusRule(text: string): string {
  const { groups } = parse(text) as { groups: unknown[] };
  const rule = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'ml-service', labels: { 'app.kubernetes.io/name': 'ml-service' } },
    spec: { groups },
  };
  const what = 'The groups are copied unchanged; runbook_url stays a path in this repository.';
  return `${header('alert-rules.yml', what)}\n${stringify(rule, { lineWidth: 0 })}`;
}

/**
 * alertmanager.yml byte for byte: the key alertmanager.yaml of the Secret the Alertmanager resource
 * reads. Its secret files stay under /run/secrets/, where alertmanager-resource.yaml mounts them.
 */
function alertmanagerConfig(text: string): string {
  const what = 'Copied byte for byte (kustomize reads no file outside this directory).';
  return `${header('alertmanager.yml', what)}\n${text}`;
}

/** Each generated file (path relative to deploy/kubernetes/) and its text, from the repository's files as they are now. */
export function renderKubernetesRules(): Map<string, string> {
  const read = (name: string) => readFileSync(`${REPO_ROOT}${name}`, 'utf8');
  return new Map([
    [
      'components/prometheus-operator/prometheus-rule.yaml',
      prometheusRule(read(GENERATED_FROM['components/prometheus-operator/prometheus-rule.yaml'])),
    ],
    ['components/alertmanager/alertmanager.yaml', alertmanagerConfig(read(GENERATED_FROM['components/alertmanager/alertmanager.yaml']))],
  ]);
}
