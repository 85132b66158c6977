import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix, relative } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Alertmanager, PrometheusRule, ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Secret, Service } from 'kubernetes-models/v1';
import { GENERATED_FROM, KUBERNETES_DIR, renderKubernetesRules } from '../../../scripts/kubernetes/render-kubernetes-rules.js';
import { buildApp } from '../../../src/app.js';
import { envSchema, loadConfig, tracingEnvSchema } from '../../../src/config/index.js';
import { METRIC_NAMES } from '../../../src/telemetry/metrics.js';
import { loadRuleGroups, REPO_ROOT } from '../../alerts/rule-file.js';
import { sharedRegistry } from '../../helpers/app.js';
import { findBinary, hasBinary } from '../../helpers/binaries.js';
import { standInKeyFile } from './feedback-key-file.js';

/**
 * deploy/kubernetes/ checked without a cluster (none is reachable here). Without any binary: the
 * manifests as files against the service itself (its config schema, its routes, its shutdown
 * budget, the Dockerfile's user), the PrometheusRule and the Alertmanager Secret against the root
 * files they are generated from. With kustomize: every base, component and overlay renders, and
 * every rendered object passes its API schema (kubernetes-models, @kubernetes-models/prometheus-
 * operator; those schemas check types, formats and required fields, not unknown field names, which
 * only an API server's strict field validation reports).
 *
 * FEEDBACK_KEY_FILE names the key Secret as the pod sees it: each test that runs loadConfig on the
 * ConfigMap first checks that path against the Deployment's mount, then puts a stand-in file there.
 */

type Yaml = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const K8S = (path: string) => join(KUBERNETES_DIR, path);
const doc = (path: string) => parse(readFileSync(K8S(path), 'utf8')) as Yaml;
const read = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');

/** KEY=value lines of a kustomize env file; `#` lines are comments. */
function envFile(path: string): Record<string, string> {
  const lines = readFileSync(K8S(path), 'utf8').split('\n');
  const pairs = lines
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => line.split(/=(.*)/s, 2) as [string, string]);
  return Object.fromEntries(pairs);
}

const deployment = doc('base/deployment.yaml');
const pod = deployment['spec']['template'];
const container = (pod['spec']['containers'] as Yaml[]).find((c) => c['name'] === 'ml-service')!;
const service = doc('base/service.yaml');
const pdb = doc('base/pod-disruption-budget.yaml');
const hpa = doc('base/horizontal-pod-autoscaler.yaml');
const networkPolicy = doc('base/network-policy.yaml');
const serviceMonitor = doc('components/prometheus-operator/service-monitor.yaml');
const prometheusRule = doc('components/prometheus-operator/prometheus-rule.yaml');
const alertmanager = doc('components/alertmanager/alertmanager-resource.yaml');
const production = doc('overlays/production/kustomization.yaml');
const configEnv = envFile('base/ml-service.env');
/** The production overlay's environment: the base's, merged with its configMapGenerator literals. */
const productionEnv = {
  ...configEnv,
  ...Object.fromEntries(
    (production['configMapGenerator'] as Yaml[])
      .filter((g) => g['name'] === 'ml-service-config')
      .flatMap((g) => (g['literals'] as string[]).map((l) => l.split(/=(.*)/s, 2))),
  ),
};

/** The Secret of the prediction-id keys: created with kubectl (README), never in these manifests. */
const FEEDBACK_SECRET = 'ml-service-feedback-keys';
const FEEDBACK_SECRET_KEY = 'feedback_keys';
const keyFile = standInKeyFile();
afterAll(() => keyFile.remove());

/** Where a pod finds the key Secret's item: the volume's read-only mount in the ml-service container, then the item's path. */
function mountedKeyFile(podSpec: Yaml): string {
  const volume = (podSpec['volumes'] as Yaml[]).find((v) => v['secret']?.['secretName'] === FEEDBACK_SECRET);
  expect(volume, `a volume of the Secret ${FEEDBACK_SECRET}`).toBeDefined();
  const items = volume!['secret']['items'] as Yaml[] | undefined;
  const path = items === undefined ? FEEDBACK_SECRET_KEY : items.find((item) => item['key'] === FEEDBACK_SECRET_KEY)?.['path'];
  expect(path, `the Secret's key ${FEEDBACK_SECRET_KEY} is projected`).toBeDefined();
  const ml = (podSpec['containers'] as Yaml[]).find((c) => c['name'] === 'ml-service')!;
  const mount = (ml['volumeMounts'] as Yaml[]).find((m) => m['name'] === volume!['name']);
  expect(mount, `${volume!['name']} is mounted`).toBeDefined();
  expect(mount!['subPath'], 'a whole-volume mount').toBeUndefined();
  expect(mount!['readOnly'], `${mount!['mountPath']} is read-only`).toBe(true);
  return posix.join(mount!['mountPath'] as string, path as string);
}

/** The environment as the service reads it in the pod: FEEDBACK_KEY_FILE must be the mounted Secret, here the stand-in. */
function asInThePod(env: Record<string, string>, podSpec: Yaml = pod['spec']): Record<string, string> {
  expect(env['FEEDBACK_KEY_FILE'], 'FEEDBACK_KEY_FILE: the key Secret as mounted in the pod').toBe(mountedKeyFile(podSpec));
  return { ...env, FEEDBACK_KEY_FILE: keyFile.path };
}

const matches = (selector: Yaml, labels: Yaml) =>
  Object.entries(selector['matchLabels'] as Record<string, string>).every(([key, value]) => labels[key] === value);
const containerPort = (name: string | number) =>
  typeof name === 'number' ? name : (container['ports'] as Yaml[]).find((p) => p['name'] === name)?.['containerPort'];
/** Seconds of a `sleep` or exec `sleep N` preStop hook; 0 without one. */
function preStopSeconds(): number {
  const preStop = container['lifecycle']?.['preStop'] as Yaml | undefined;
  if (preStop === undefined) return 0;
  if (preStop['sleep'] !== undefined) return Number(preStop['sleep']['seconds']);
  const command = preStop['exec']?.['command'] as string[] | undefined;
  if (command?.[0] === 'sleep') return Number(command[1]);
  throw new Error(`a preStop hook whose duration this test cannot read: ${JSON.stringify(preStop)}`);
}

describe('the ConfigMap (base/ml-service.env) is the service environment', () => {
  const schemas = { ...envSchema.shape, ...tracingEnvSchema.shape } as Record<string, { safeParse(v: unknown): { success: boolean } }>;

  it('every key is a variable the service reads, with a value its schema accepts', () => {
    expect(Object.keys(configEnv).length).toBeGreaterThan(5);
    for (const env of [configEnv, productionEnv]) {
      for (const [key, value] of Object.entries(env)) {
        expect(schemas[key], `${key} is not in src/config (envSchema or tracingEnvSchema)`).toBeDefined();
        expect(schemas[key]!.safeParse(value).success, `${key}=${value}`).toBe(true);
      }
    }
  });

  it('loadConfig accepts it as a whole (the shutdown stages fit their budget), base and production', () => {
    expect(() => loadConfig(asInThePod(configEnv))).not.toThrow();
    expect(() => loadConfig(asInThePod(productionEnv))).not.toThrow();
  });

  it('the container takes its environment from it, and NODE_OPTIONS keeps the heap under the memory limit', () => {
    expect(container['envFrom']).toEqual([{ configMapRef: { name: 'ml-service-config' } }]);
    const generator = (doc('base/kustomization.yaml')['configMapGenerator'] as Yaml[])[0]!;
    expect(generator).toEqual({ name: 'ml-service-config', envs: ['ml-service.env'] });
    // Node's own variable; the service's variables belong in the ConfigMap.
    expect((container['env'] as Yaml[]).map((e) => e['name'])).toEqual(['NODE_OPTIONS']);
    const heapMiB = Number(/--max-old-space-size=(\d+)/.exec((container['env'] as Yaml[])[0]!['value'])![1]);
    const limitMiB = Number(/^(\d+)Mi$/.exec(container['resources']['limits']['memory'])![1]);
    expect(heapMiB).toBeLessThan(limitMiB * 0.75);
  });
});

describe('the Deployment against the service', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await buildApp(loadConfig(asInThePod({ ...configEnv, LOG_LEVEL: 'silent' })), { registry: await sharedRegistry() });
    await app.ready();
  });
  afterAll(() => app?.close());

  it('probes: startup and liveness GET /health, readiness GET /ready, on the container port; each answers 200', async () => {
    expect(container['startupProbe']['httpGet']['path']).toBe('/health');
    expect(container['livenessProbe']['httpGet']['path']).toBe('/health');
    expect(container['readinessProbe']['httpGet']['path']).toBe('/ready');
    for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
      const { path, port } = container[probe]['httpGet'] as { path: string; port: string | number };
      expect(containerPort(port), `${probe} port`).toBe(loadConfig(asInThePod(configEnv)).port);
      const response = await app.inject({ method: 'GET', url: path });
      expect(response.statusCode, `${probe}: GET ${path}`).toBe(200);
    }
  });

  it('the container port is PORT of the ConfigMap, and the Service and the NetworkPolicy use it', () => {
    const port = loadConfig(asInThePod(configEnv)).port;
    expect(container['ports']).toEqual([{ name: 'http', containerPort: port, protocol: 'TCP' }]);
    expect(containerPort(service['spec']['ports'][0]['targetPort'])).toBe(port);
    expect(matches({ matchLabels: service['spec']['selector'] }, pod['metadata']['labels'])).toBe(true);
    const ingressPorts = (networkPolicy['spec']['ingress'] as Yaml[]).flatMap((rule) => rule['ports'] as Yaml[]);
    expect(ingressPorts.map((p) => containerPort(p['port']))).toEqual([port]);
    expect(matches(networkPolicy['spec']['podSelector'], pod['metadata']['labels'])).toBe(true);
  });

  it('the NetworkPolicy lets out DNS and OTLP to the collector of OTEL_EXPORTER_OTLP_ENDPOINT, base and production', () => {
    const egressPorts = (networkPolicy['spec']['egress'] as Yaml[]).flatMap((rule) =>
      (rule['ports'] as Yaml[]).map((p) => `${p['protocol']}/${p['port']}`),
    );
    expect(egressPorts).toEqual(expect.arrayContaining(['UDP/53', 'TCP/53']));
    for (const env of [configEnv, productionEnv]) expect(egressPorts).toContain(`TCP/${new URL(env['OTEL_EXPORTER_OTLP_ENDPOINT']!).port}`);
  });

  it('the grace period outlasts preStop + SHUTDOWN_TIMEOUT_MS (else the kubelet kills mid-drain), and the drain covers endpoint removal', () => {
    const { shutdown } = loadConfig(asInThePod(configEnv));
    const graceMs = Number(pod['spec']['terminationGracePeriodSeconds']) * 1000;
    // The same 1 s for the process to exit after its budget as docker-compose.yml's stop_grace_period.
    expect(graceMs).toBeGreaterThan(preStopSeconds() * 1000 + shutdown.timeoutMs + 1000);
    // No preStop hook: SIGTERM and the endpoint's removal start together, so the service itself
    // must go on serving while kube-proxy and ingress controllers catch up.
    expect(preStopSeconds() * 1000 + shutdown.drainDelayMs).toBeGreaterThanOrEqual(5000);
    // Kubernetes' default grace period is 30 s, what README's Shutdown section budgets for.
    expect(graceMs).toBeLessThanOrEqual(30_000);
  });

  it('runs as the image user, non-root, with a read-only root filesystem, /tmp the only writable mount, seccomp RuntimeDefault, no token', () => {
    const spec = pod['spec'];
    expect(spec['automountServiceAccountToken']).toBe(false);
    expect(spec['enableServiceLinks']).toBe(false);
    expect(spec['securityContext']).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    // The official node images create `node` with uid and gid 1000.
    expect(read('Dockerfile')).toMatch(/^USER node$/m);
    expect(container['securityContext']).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      privileged: false,
      capabilities: { drop: ['ALL'] },
    });
    const mounts = container['volumeMounts'] as Yaml[];
    const volumeOf = (mount: Yaml) => (spec['volumes'] as Yaml[]).find((v) => v['name'] === mount['name']);
    const writable = mounts.filter((m) => m['readOnly'] !== true);
    expect(writable.map((m) => m['mountPath'])).toEqual(['/tmp']);
    expect(volumeOf(writable[0]!)?.['emptyDir']).toBeDefined();
    // Everything else mounted is a Secret, read-only.
    for (const mount of mounts.filter((m) => m['readOnly'] === true)) expect(volumeOf(mount)?.['secret'], mount['mountPath']).toBeDefined();
  });

  it('requests and limits CPU and memory; three replicas, the image of this version', () => {
    for (const kind of ['requests', 'limits']) {
      expect(container['resources'][kind]['cpu'], kind).toBeDefined();
      expect(container['resources'][kind]['memory'], kind).toBeDefined();
    }
    expect(deployment['spec']['replicas']).toBe(3);
    expect(deployment['spec']['strategy']['rollingUpdate']['maxUnavailable']).toBe(0);
    const version = (JSON.parse(read('package.json')) as { version: string }).version;
    expect(container['image']).toBe(`ml-service:${version}`);
    expect((production['images'] as Yaml[])[0]).toMatchObject({ name: 'ml-service', newTag: version });
  });

  it('the PodDisruptionBudget and the HorizontalPodAutoscaler target the Deployment; the HPA starts from its replicas', () => {
    expect(matches(pdb['spec']['selector'], pod['metadata']['labels'])).toBe(true);
    expect(pdb['spec']['maxUnavailable']).toBeLessThan(deployment['spec']['replicas']);
    expect(matches(deployment['spec']['selector'], pod['metadata']['labels'])).toBe(true);
    expect(hpa['spec']['scaleTargetRef']).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment['metadata']['name'] });
    expect(hpa['spec']['minReplicas']).toBe(deployment['spec']['replicas']);
    expect(hpa['spec']['metrics']).toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
    ]);
  });
});

describe('the prediction-id keys: one Secret that every replica reads', () => {
  it('FEEDBACK_KEY_FILE (base and production) is the Secret ml-service-feedback-keys, mounted read-only; no key in the ConfigMap', () => {
    for (const env of [configEnv, productionEnv]) {
      expect(env['FEEDBACK_KEY_FILE']).toBe(mountedKeyFile(pod['spec']));
      // A ConfigMap is not secret, and a key there would sign before the file's (FEEDBACK_KEYS comes first).
      expect(env).not.toHaveProperty('FEEDBACK_KEYS');
    }
    // Every replica runs this one template, with the path from the ConfigMap they share.
    expect((container['env'] as Yaml[]).filter((e) => String(e['name']).startsWith('FEEDBACK_'))).toEqual([]);
    const volume = (pod['spec']['volumes'] as Yaml[]).find((v) => v['secret']?.['secretName'] === FEEDBACK_SECRET)!;
    // Without the Secret a pod waits (the service would refuse to start on a missing file anyway).
    expect(volume['secret']['optional']).not.toBe(true);
    // The service runs as uid and gid 1000; fsGroup makes the mounted files its group's.
    expect(pod['spec']['securityContext']['fsGroup']).toBe(1000);
    expect(volume['secret']['defaultMode'], 'mode 0440: owner and group read, nobody else').toBe(0o440);
  });

  it("with the Secret's file in place, the service signs with the key it holds", () => {
    const config = loadConfig(asInThePod(configEnv));
    expect(config.feedback.keys.count).toBe(1);
    expect(config.feedback.keys.reveal()[0]).toEqual(Buffer.from(readFileSync(keyFile.path, 'utf8').trim(), 'base64'));
  });
});

describe('prometheus-operator: ServiceMonitor, PrometheusRule, Alertmanager', () => {
  it('the ServiceMonitor scrapes /metrics on the Service port, with job="ml-service", the job alert-rules.yml selects', () => {
    expect(matches(serviceMonitor['spec']['selector'], service['metadata']['labels'])).toBe(true);
    const [endpoint] = serviceMonitor['spec']['endpoints'] as Yaml[];
    expect((service['spec']['ports'] as Yaml[]).map((p) => p['name'])).toContain(endpoint!['port']);
    expect(endpoint!['path']).toBe('/metrics');
    // jobLabel: the job is the value of that Service label, whatever the Service is named.
    const job = service['metadata']['labels'][serviceMonitor['spec']['jobLabel']];
    expect(job).toBe('ml-service');
    const jobs = new Set([...read('alert-rules.yml').matchAll(/job="([^"]*)"/g)].map((m) => m[1]));
    expect([...jobs]).toEqual([job]);
  });

  it('the generated files are what npm run k8s:rules makes from alert-rules.yml and alertmanager.yml', () => {
    for (const [name, text] of renderKubernetesRules())
      expect(
        readFileSync(K8S(name), 'utf8'),
        `${name} differs from ${GENERATED_FROM[name as keyof typeof GENERATED_FROM]}: run npm run k8s:rules`,
      ).toBe(text);
  });

  it("the PrometheusRule's groups are alert-rules.yml's (run npm run k8s:rules)", () => {
    expect(prometheusRule['spec']['groups'], 'run npm run k8s:rules').toEqual(loadRuleGroups());
  });

  it('the Alertmanager reads the Secret of alertmanager.yml under the key alertmanager.yaml, its receivers mounted where the file looks', () => {
    const component = doc('components/alertmanager/kustomization.yaml');
    const [secret] = component['secretGenerator'] as Yaml[];
    expect(secret).toMatchObject({
      name: alertmanager['spec']['configSecret'],
      files: ['alertmanager.yaml'],
      options: { disableNameSuffixHash: true },
    });
    expect(readFileSync(K8S('components/alertmanager/alertmanager.yaml'), 'utf8')).toContain(read('alertmanager.yml'));
    const [mount] = alertmanager['spec']['volumeMounts'] as Yaml[];
    const files = [...read('alertmanager.yml').matchAll(/_file: (\S+)$/gm)].map((m) => m[1]!);
    expect(files.length).toBe(2);
    for (const file of files) expect(file.startsWith(`${mount!['mountPath']}/`), file).toBe(true);
    expect((alertmanager['spec']['volumes'] as Yaml[]).find((v) => v['name'] === mount!['name'])?.['secret']).toBeDefined();
  });

  it('the Alertmanager is the version docker-compose.yml runs', () => {
    const image = /image: prom\/alertmanager:(\S+)/.exec(read('docker-compose.yml'))![1];
    expect(alertmanager['spec']['version']).toBe(image);
  });
});

// --- rendered by kustomize -------------------------------------------------------------------

const KUSTOMIZE_INSTALL = 'bash scripts/install-runtimes.sh (kustomize from Debian unstable, into .runtimes/bin)';
const hasKustomize = hasBinary('kustomize', KUSTOMIZE_INSTALL);

/** The schema class of every kind the manifests use. */
const MODELS: Record<string, { new (data: never): { validate(): void } }> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
  'monitoring.coreos.com/v1/Alertmanager': Alertmanager,
};

function kustomizeBuild(dir: string): Yaml[] {
  const result = spawnSync(findBinary(['kustomize'])!, ['build', dir], { encoding: 'utf8' });
  expect(result.status, `kustomize build ${relative(REPO_ROOT, dir)}\n${result.stderr}`).toBe(0);
  return parseAllDocuments(result.stdout).map((d) => d.toJS() as Yaml);
}

/**
 * kustomize wraps a Secret's base64 values at 70 columns; the API server decodes them with Go's
 * encoding/base64, which ignores newlines, while the schema's "byte" format does not.
 */
function unwrapSecretData(object: Yaml): Yaml {
  if (object['kind'] !== 'Secret' || object['data'] === undefined) return object;
  const data = Object.fromEntries(Object.entries(object['data'] as Record<string, string>).map(([k, v]) => [k, v.replace(/\n/g, '')]));
  return { ...object, data };
}

function validate(objects: Yaml[], where: string): void {
  for (const object of objects.map(unwrapSecretData)) {
    const key = `${object['apiVersion']}/${object['kind']}`;
    const Model = MODELS[key];
    expect(Model, `${where}: no schema for ${key}`).toBeDefined();
    expect(() => new Model!(object as never).validate(), `${where}: ${key} ${object['metadata']['name']}`).not.toThrow();
  }
}

const find = (objects: Yaml[], kind: string) => objects.find((o) => o['kind'] === kind)!;

describe.skipIf(!hasKustomize)('kustomize build', () => {
  const overlays = readdirSync(K8S('overlays'));

  it('the base renders, and every object passes its schema', () => {
    const objects = kustomizeBuild(K8S('base'));
    expect(objects.map((o) => o['kind']).sort()).toEqual(
      ['ConfigMap', 'Deployment', 'HorizontalPodAutoscaler', 'NetworkPolicy', 'PodDisruptionBudget', 'Service'].sort(),
    );
    validate(objects, 'base');
  });

  it.each(overlays)('overlays/%s renders, every object passes its schema and lives in the overlay namespace', (overlay) => {
    const objects = kustomizeBuild(K8S(`overlays/${overlay}`));
    validate(objects, overlay);
    const namespace = doc(`overlays/${overlay}/kustomization.yaml`)['namespace'] as string;
    for (const object of objects.filter((o) => o['kind'] !== 'Namespace'))
      expect(object['metadata']['namespace'], `${object['kind']} ${object['metadata']['name']}`).toBe(namespace);
  });

  it('production: the Deployment reads the generated ConfigMap (hashed name), which the service accepts; the Secret holds alertmanager.yml', () => {
    const objects = kustomizeBuild(K8S('overlays/production'));
    const configMap = find(objects, 'ConfigMap');
    const rendered = find(objects, 'Deployment')['spec']['template']['spec']['containers'][0];
    expect(rendered['envFrom'][0]['configMapRef']['name']).toBe(configMap['metadata']['name']);
    expect(configMap['metadata']['name']).toMatch(/^ml-service-config-[a-z0-9]{10}$/);
    expect(configMap['data']).toEqual(productionEnv);
    expect(() => loadConfig(asInThePod(configMap['data'], find(objects, 'Deployment')['spec']['template']['spec']))).not.toThrow();
    expect(rendered['image']).toMatch(/^registry\.example\.com\/ml-service:\d+\.\d+\.\d+$/);

    const secret = objects.find(
      (o) => o['kind'] === 'Secret' && o['metadata']['name'] === find(objects, 'Alertmanager')['spec']['configSecret'],
    )!;
    expect(Buffer.from(secret['data']['alertmanager.yaml'], 'base64').toString('utf8')).toContain(read('alertmanager.yml'));
    expect(find(objects, 'PrometheusRule')['spec']['groups']).toEqual(loadRuleGroups());
    // The ServiceMonitor's job label comes from the Service as rendered.
    const job = find(objects, 'Service')['metadata']['labels'][find(objects, 'ServiceMonitor')['spec']['jobLabel']];
    expect(job).toBe('ml-service');
  });

  it.each(['base', ...overlays.map((o) => `overlays/${o}`)])(
    '%s: the Deployment mounts the key Secret by its own name, and no manifest holds a key (kubectl creates it)',
    (dir) => {
      const objects = kustomizeBuild(K8S(dir));
      const rendered = find(objects, 'Deployment')['spec']['template']['spec'];
      const configMap = find(objects, 'ConfigMap');
      expect(configMap['data']['FEEDBACK_KEY_FILE']).toBe(mountedKeyFile(rendered));
      expect(objects.filter((o) => o['kind'] === 'Secret').map((o) => o['metadata']['name'])).not.toContain(FEEDBACK_SECRET);
      for (const secret of objects.filter((o) => o['kind'] === 'Secret'))
        expect(Object.keys({ ...secret['data'], ...secret['stringData'] }), secret['metadata']['name']).not.toContain(FEEDBACK_SECRET_KEY);
    },
  );

  it('the in-flight-autoscaling component adds a per-pod ml_active_requests target to the CPU one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ml-service-kustomize-'));
    try {
      // kustomize loads directories (not files) from outside the kustomization root, by relative path.
      writeFileSync(
        join(dir, 'kustomization.yaml'),
        [
          'resources:',
          `  - ${relative(dir, K8S('base'))}`,
          'components:',
          `  - ${relative(dir, K8S('components/in-flight-autoscaling'))}`,
          '',
        ].join('\n'),
      );
      const objects = kustomizeBuild(dir);
      validate(objects, 'in-flight-autoscaling');
      const metrics = find(objects, 'HorizontalPodAutoscaler')['spec']['metrics'] as Yaml[];
      expect(metrics.map((m) => m['type'])).toEqual(['Resource', 'Pods']);
      expect(metrics[1]!['pods']['metric']['name']).toBe(METRIC_NAMES.activeRequests);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
