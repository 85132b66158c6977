/**
 * Writes the Kubernetes copies of the repository's alerting files: the PrometheusRule
 * (deploy/kubernetes/components/prometheus-operator/prometheus-rule.yaml) from alert-rules.yml and
 * the Alertmanager configuration (deploy/kubernetes/components/alertmanager/alertmanager.yaml) from
 * alertmanager.yml. One source of truth: edit the root files, then run this.
 *   npm run k8s:rules          regenerate them
 *   npm run k8s:rules:check    exit 1 when the committed copies differ from the root files
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HELP_OPTION, parseCommandLine, UsageError } from '../src/cli/command-line.js';
import { GENERATED_FROM, KUBERNETES_DIR, renderKubernetesRules } from './kubernetes/render-kubernetes-rules.js';

const USAGE = `usage: npm run k8s:rules             write deploy/kubernetes/'s PrometheusRule and Alertmanager configuration
                                     from alert-rules.yml and alertmanager.yml
       npm run k8s:rules:check       exit 1 when the committed copies differ from those files
       npm run k8s:rules -- --help`;

let values;
try {
  ({ values } = parseCommandLine(
    { options: { ...HELP_OPTION, check: { type: 'boolean', default: false } } },
    'npm run k8s:rules -- --help',
  ));
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  console.error(`k8s:rules: ${err.message}`);
  process.exit(2);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const stale: string[] = [];
for (const [name, text] of renderKubernetesRules()) {
  const path = join(KUBERNETES_DIR, name);
  const committed = await readFile(path, 'utf8').catch(() => undefined);
  if (committed === text) continue;
  const source = GENERATED_FROM[name as keyof typeof GENERATED_FROM];
  if (values.check) stale.push(committed === undefined ? `${name} is missing` : `${name} differs from ${source}`);
  else {
    await writeFile(path, text);
    console.log(`wrote deploy/kubernetes/${name} from ${source}`);
  }
}
if (stale.length > 0) {
  console.error(`deploy/kubernetes/ is out of date:\n  ${stale.join('\n  ')}\nRun: npm run k8s:rules`);
  process.exit(1);
}
