import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { DASHBOARDS_DIR, renderDashboards } from '../../../scripts/dashboards/render-dashboards.js';
import { loadConfig } from '../../../src/config/index.js';
import { METRIC_NAMES } from '../../../src/telemetry/metrics.js';
import { loadYaml } from '../../alerts/load-yaml.js';
import { loadRuleGroups, recordingRuleNames, REPO_ROOT } from '../../alerts/rule-file.js';
import {
  allPanels,
  asPromQL,
  dashboardExpressions,
  dashboardFileNames,
  datasourceExpressions,
  loadDashboards,
} from '../../helpers/dashboards.js';
import { standInKeyFile } from './feedback-key-file.js';

/**
 * The Compose stack, its Dockerfile and the dashboards, checked without a container engine or any
 * other binary: every file it mounts exists, every image is pinned, every port stays on loopback,
 * every host:port a configuration names is a service of the stack listening there; the committed
 * dashboards are what scripts/dashboards.ts generates, and every PromQL expression they and the
 * rules hold names only metrics the service (or a rule) exports. That the expressions parse is
 * promtool's to say: test/stack/config-check.test.ts.
 */

interface Healthcheck {
  test: string[] | string;
}
interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[] | string;
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  expose?: string[];
  secrets?: string[];
  healthcheck?: Healthcheck;
  depends_on?: Record<string, { condition: string }> | string[];
  restart?: string;
  stop_grace_period?: string;
}
interface Compose {
  name: string;
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
  secrets: Record<string, { file: string }>;
}

const read = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');
const compose = loadYaml(join(REPO_ROOT, 'docker-compose.yml')) as Compose;
const services = Object.entries(compose.services);
const commandOf = (service: Service) => (Array.isArray(service.command) ? service.command : (service.command ?? '').split(/\s+/));
/** `./file:/in/container:ro` -> [source, target]. */
const mounts = (service: Service) => (service.volumes ?? []).map((volume) => volume.split(':') as [string, string, ...string[]]);
const containerPaths = (service: Service) => mounts(service).map(([, target]) => target);

/** The prediction-id keys: the secret every ml-service replica reads. */
const FEEDBACK_SECRET = 'feedback_keys';
const keyFile = standInKeyFile();
afterAll(() => keyFile.remove());

/**
 * A service's environment as its process reads it: FEEDBACK_KEY_FILE must be the key secret as
 * Compose mounts it (/run/secrets/<name>, the service attaching it), a file that does not exist
 * here; loadConfig gets the stand-in in its place.
 */
function asInTheContainer(service: Service): Record<string, string> {
  const env = { ...service.environment };
  expect(service.secrets ?? [], 'the service attaches the key secret').toContain(FEEDBACK_SECRET);
  expect(env['FEEDBACK_KEY_FILE'], 'FEEDBACK_KEY_FILE: the key secret as mounted').toBe(`/run/secrets/${FEEDBACK_SECRET}`);
  return { ...env, FEEDBACK_KEY_FILE: keyFile.path };
}

/** The ports a service's container listens on, from its published and exposed ports. */
function containerPorts(service: Service): number[] {
  const published = (service.ports ?? []).map((port) => Number(port.split(':').at(-1)));
  return [...published, ...(service.expose ?? []).map(Number)];
}

describe('docker-compose.yml', () => {
  it('gives ml-service a stop grace period longer than its whole shutdown budget (else it is killed mid-drain)', () => {
    const service = compose.services['ml-service']!;
    const config = loadConfig(asInTheContainer(service));
    const grace = /^(\d+)s$/.exec(service.stop_grace_period ?? '');
    expect(grace, 'stop_grace_period in seconds').not.toBeNull();
    expect(Number(grace![1]) * 1000).toBeGreaterThan(config.shutdown.timeoutMs + 1000);
  });

  it('every ml-service replica reads the same prediction-id keys: the secret feedback_keys at FEEDBACK_KEY_FILE, no key in the file', () => {
    // Every service built from the Dockerfile runs the service; `--scale` copies its definition.
    const built = services.filter(([, service]) => service.build !== undefined);
    expect(built.map(([name]) => name)).toEqual(['ml-service']);
    for (const [name, service] of built) {
      const config = loadConfig(asInTheContainer(service));
      expect(config.feedback.keys.count, name).toBe(1);
      expect(config.feedback.keys.reveal()[0]).toEqual(Buffer.from(readFileSync(keyFile.path, 'utf8').trim(), 'base64'));
      // Keys belong in the secret, not in docker-compose.yml (committed) or the environment.
      expect(service.environment, name).not.toHaveProperty('FEEDBACK_KEYS');
    }
    expect(compose.secrets[FEEDBACK_SECRET]).toEqual({ file: `./secrets/${FEEDBACK_SECRET}` });
  });

  it('the example key file is a placeholder the service refuses (a copied example must not sign), and the set-up generates the real one', () => {
    const example = join(REPO_ROOT, 'docs/secrets.example', FEEDBACK_SECRET);
    expect(() => loadConfig({ FEEDBACK_KEY_FILE: example })).toThrow(/^FEEDBACK_KEY_FILE=.*:\d+: not base64$/);
    expect(read('docs/secrets.example/README.md')).toContain(`openssl rand -base64 32 > secrets/${FEEDBACK_SECRET}`);
  });

  it('pins every image to an exact version tag (no latest, no floating major or minor)', () => {
    for (const [name, service] of services) {
      if (service.build) {
        expect(service.image, `${name} is built here`).toBeUndefined();
        continue;
      }
      expect(service.image, name).toMatch(/^[a-z0-9./-]+:v?\d+\.\d+\.\d+$/);
    }
  });

  it('publishes every port on 127.0.0.1 only', () => {
    for (const [name, service] of services) {
      for (const port of service.ports ?? []) expect(port, name).toMatch(/^127\.0\.0\.1:\d+(-\d+)?:\d+$/);
    }
  });

  it('ml-service scales (`docker compose up --scale ml-service=N`): no container name, a host port range, every replica scraped', () => {
    const service = compose.services['ml-service'] as Service & { container_name?: string };
    expect(service.container_name).toBeUndefined();
    const [range] = service.ports!;
    const [, first, last] = /^127\.0\.0\.1:(\d+)-(\d+):8000$/.exec(range!) ?? [];
    expect(Number(last) - Number(first) + 1, `${range}: room for a few replicas`).toBeGreaterThanOrEqual(3);
    // No other service waits for it, or names its container.
    for (const [name, other] of services) expect(Object.keys(other.depends_on ?? {}), name).not.toContain('ml-service');
    const prometheus = loadYaml(join(REPO_ROOT, 'prometheus.yml')) as { scrape_configs: { job_name: string; dns_sd_configs?: unknown }[] };
    const job = prometheus.scrape_configs.find((j) => j.job_name === 'ml-service')!;
    expect(job.dns_sd_configs).toEqual([{ names: ['ml-service'], type: 'A', port: 8000, refresh_interval: '15s' }]);
  });

  it('mounts files and directories that exist in the repository, read-only, and declared named volumes', () => {
    for (const [name, service] of services) {
      for (const [source, target, mode] of mounts(service)) {
        if (source.startsWith('./')) {
          expect(existsSync(join(REPO_ROOT, source)), `${name}: ${source}`).toBe(true);
          expect(mode, `${name}: ${source} is configuration`).toBe('ro');
        } else if (source.startsWith('/')) {
          // The only host path: Alloy reads container logs through the Docker socket.
          expect([name, source, target]).toEqual(['alloy', '/var/run/docker.sock', '/var/run/docker.sock']);
        } else {
          expect(Object.keys(compose.volumes), `${name}: volume ${source}`).toContain(source);
        }
      }
    }
  });

  it('reads every secret from ./secrets/, documented in docs/secrets.example/, and attaches only declared ones', () => {
    const documented = read('docs/secrets.example/README.md');
    for (const [secret, { file }] of Object.entries(compose.secrets)) {
      expect(file).toBe(`./secrets/${secret}`);
      expect(existsSync(join(REPO_ROOT, 'docs/secrets.example', secret)), secret).toBe(true);
      expect(documented).toContain(`secrets/${secret}`);
    }
    for (const [name, service] of services)
      for (const secret of service.secrets ?? []) expect(Object.keys(compose.secrets), name).toContain(secret);
    expect(read('.dockerignore').split('\n')).toContain('secrets');
  });

  it('gives every long-running service a healthcheck its image can run, except Tempo (no shell, no curl, no health command)', () => {
    for (const [name, service] of services) {
      if (service.restart === 'no') continue;
      if (name === 'tempo') {
        expect(service.healthcheck).toBeUndefined();
        continue;
      }
      if (service.build) {
        expect(read(service.build.dockerfile), `${name}: its image's HEALTHCHECK`).toMatch(/^HEALTHCHECK /m);
        continue;
      }
      const test = service.healthcheck?.test;
      // Exec form: no shell is needed, and none is in the distroless images.
      expect(Array.isArray(test) && test[0] === 'CMD', `${name}: ${JSON.stringify(test)}`).toBe(true);
    }
    expect(compose.services['loki']?.healthcheck?.test).toEqual(['CMD', '/usr/bin/loki', '-health']);
  });

  it('states a condition for every dependency, and depends only on services that have what the condition waits for', () => {
    for (const [name, service] of services) {
      expect(Array.isArray(service.depends_on), `${name}: the list form of depends_on has no condition`).toBe(false);
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        const target = compose.services[dependency];
        expect(target, `${name} -> ${dependency}`).toBeDefined();
        if (condition === 'service_healthy') expect(target!.healthcheck ?? target!.build, `${name} -> ${dependency}`).toBeDefined();
        else if (condition === 'service_completed_successfully') expect(target!.restart, `${name} -> ${dependency}`).toBe('no');
        else expect(condition, `${name} -> ${dependency}`).toBe('service_started');
      }
    }
  });

  it('every host:port the configurations name is a service of the stack listening on that port', () => {
    const prometheus = loadYaml(join(REPO_ROOT, 'prometheus.yml')) as {
      alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
      scrape_configs: { static_configs?: { targets: string[] }[]; dns_sd_configs?: { names: string[]; port: number }[] }[];
    };
    const datasources = loadYaml(join(REPO_ROOT, 'grafana-datasources.yml')) as { datasources: { url: string }[] };
    const tempo = loadYaml(join(REPO_ROOT, 'tempo-config.yml')) as { metrics_generator: { storage: { remote_write: { url: string }[] } } };
    const alloyUrls = [...read('alloy-config.alloy').matchAll(/url\s*=\s*"([^"]+)"/g)].map((m) => m[1]!);
    const references: [string, string][] = [
      ...prometheus.scrape_configs
        .flatMap((job) => [
          ...(job.static_configs ?? []).flatMap((s) => s.targets),
          ...(job.dns_sd_configs ?? []).flatMap((d) => d.names.map((name) => `${name}:${d.port}`)),
        ])
        .map((t): [string, string] => ['prometheus.yml', t]),
      ...prometheus.alerting.alertmanagers
        .flatMap((a) => a.static_configs.flatMap((s) => s.targets))
        .map((t): [string, string] => ['prometheus.yml', t]),
      ...datasources.datasources.map((d): [string, string] => ['grafana-datasources.yml', new URL(d.url).host]),
      ...tempo.metrics_generator.storage.remote_write.map((w): [string, string] => ['tempo-config.yml', new URL(w.url).host]),
      ...alloyUrls.map((u): [string, string] => ['alloy-config.alloy', new URL(u).host]),
      ['ml-service environment', new URL(compose.services['ml-service']!.environment!['OTEL_EXPORTER_OTLP_ENDPOINT']!).host],
    ];
    expect(references.length).toBeGreaterThan(8);
    for (const [file, hostPort] of references) {
      const [host, port] = hostPort.split(':');
      // Prometheus scrapes itself on localhost.
      const service = host === 'localhost' ? 'prometheus' : host!;
      expect(compose.services[service], `${file}: ${hostPort}`).toBeDefined();
      expect(containerPorts(compose.services[service]!), `${file}: ${hostPort}`).toContain(Number(port));
    }
  });

  it('every configuration file a command or a config names is mounted where it is looked for', () => {
    const flagValue = (name: string, flag: string) =>
      commandOf(compose.services[name]!)
        .find((arg) => arg.startsWith(flag))
        ?.slice(flag.length);
    expect(containerPaths(compose.services['prometheus']!)).toContain(flagValue('prometheus', '--config.file='));
    expect(containerPaths(compose.services['prometheus']!)).toContain('/etc/prometheus/alert-rules.yml');
    expect(containerPaths(compose.services['alertmanager']!)).toContain(flagValue('alertmanager', '--config.file='));
    expect(containerPaths(compose.services['loki']!)).toContain(flagValue('loki', '-config.file='));
    expect(containerPaths(compose.services['tempo']!)).toContain(flagValue('tempo', '-config.file='));
    expect(containerPaths(compose.services['alloy']!)).toContain(commandOf(compose.services['alloy']!).at(-1));

    const grafana = compose.services['grafana']!;
    const provider = loadYaml(join(REPO_ROOT, 'grafana/dashboards.yml')) as { providers: { options: { path: string } }[] };
    expect(containerPaths(grafana)).toContain(provider.providers[0]!.options.path);
    expect(containerPaths(grafana)).toContain('/etc/grafana/provisioning/dashboards/dashboards.yml');
    expect(containerPaths(grafana)).toContain('/etc/grafana/provisioning/datasources/datasources.yml');
    const home = grafana.environment!['GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH']!;
    expect(existsSync(join(REPO_ROOT, 'grafana/dashboards', home.replace(`${provider.providers[0]!.options.path}/`, '')))).toBe(true);

    // Secrets are mounted at /run/secrets/<name>.
    const secretPaths = [...read('alertmanager.yml').matchAll(/^\s+(?:- )?\w+_file: (\S+)$/gm)].map((m) => m[1]!);
    expect(secretPaths.length).toBe(2);
    for (const path of secretPaths) expect(compose.services['alertmanager']!.secrets!.map((s) => `/run/secrets/${s}`)).toContain(path);
    expect(grafana.secrets!.map((s) => `/run/secrets/${s}`)).toContain(grafana.environment!['GF_SECURITY_ADMIN_PASSWORD__FILE']);
  });

  it('Grafana: no anonymous access, no usage reporting, and no admin password in the file', () => {
    const env = compose.services['grafana']!.environment!;
    expect(env['GF_AUTH_ANONYMOUS_ENABLED']).toBe('false');
    expect(env['GF_ANALYTICS_REPORTING_ENABLED']).toBe('false');
    expect(env['GF_SECURITY_ADMIN_PASSWORD']).toBeUndefined();
    expect(read('loki-config.yml')).toMatch(/^analytics:\n {2}reporting_enabled: false$/m);
    expect(read('tempo-config.yml')).toMatch(/^usage_report:\n {2}reporting_enabled: false$/m);
  });

  it('Tempo receives OTLP on every interface (since 2.7 the default is localhost) and Prometheus keeps exemplars', () => {
    const tempo = loadYaml(join(REPO_ROOT, 'tempo-config.yml')) as {
      distributor: { receivers: { otlp: { protocols: Record<string, { endpoint: string }> } } };
    };
    expect(tempo.distributor.receivers.otlp.protocols).toEqual({ grpc: { endpoint: '0.0.0.0:4317' }, http: { endpoint: '0.0.0.0:4318' } });
    expect(commandOf(compose.services['prometheus']!)).toContain('--enable-feature=exemplar-storage');
    expect(commandOf(compose.services['prometheus']!)).toContain('--web.enable-remote-write-receiver');
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const stages = dockerfile.split(/^(?=FROM )/m).slice(1);
  const runtime = stages.at(-1)!;
  const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string>; engines: { node: string } };

  it('builds in one stage with dev dependencies and runs in another with production ones only', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(stages[0]).toMatch(/^RUN npm ci\b(?!.*--omit=dev)/m);
    expect(stages[0]).toMatch(/^RUN npm run build$/m);
    expect(runtime).toMatch(/^RUN npm ci --omit=dev\b/m);
    expect(runtime).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
  });

  it('uses a pinned Debian slim Node 24 image (onnxruntime-node has no musl build)', () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:24\.\d+\.\d+-(bookworm|trixie)-slim$/m);
    for (const stage of stages) expect(stage).toMatch(/^FROM \$\{NODE_IMAGE\} AS \w+$/m);
  });

  it("skips onnxruntime-node's GPU download in both stages (an npm before 11.19 runs its postinstall) and copies .npmrc before npm ci", () => {
    for (const stage of stages) {
      expect(stage).toMatch(/ONNXRUNTIME_NODE_INSTALL=skip/);
      expect(stage).toMatch(/^COPY package\.json package-lock\.json \.npmrc \.\/\n/m);
    }
    // npm >= 11.19 runs no dependency install script that package.json does not allow.
    expect((JSON.parse(read('package.json')) as { allowScripts: Record<string, boolean> }).allowScripts['onnxruntime-node']).toBe(false);
    // No unknown project config: npm would warn about it on every command.
    expect(read('.npmrc')).not.toMatch(/^onnxruntime-node-install/m);
  });

  it('ships the embedded models, runs as a non-root user and checks /health with node', () => {
    expect(runtime).toMatch(/^COPY models \.\/models$/m);
    // The gRPC service definition, read at startup with GRPC_ENABLED=true (src/grpc/inference-proto.ts).
    expect(runtime).toMatch(/^COPY proto \.\/proto$/m);
    const user = [...runtime.matchAll(/^USER (\S+)$/gm)].at(-1)?.[1];
    expect(user).toBeDefined();
    expect(['root', '0', '0:0']).not.toContain(user);
    expect(runtime).toMatch(
      /^HEALTHCHECK [^\n]*\\\n\s+CMD \["node", "-e", "fetch\('http:\/\/127\.0\.0\.1:' \+ \(process\.env\.PORT \|\| 8000\) \+ '\/health'\)/m,
    );
  });

  it('starts exactly as `npm start` does, without its build step', () => {
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(runtime)![1]!) as string[];
    expect(cmd.join(' ')).toBe(pkg.scripts['start']);
  });

  it('keeps secrets, dependencies and build output out of the build context', () => {
    const ignored = read('.dockerignore').split('\n');
    for (const entry of ['secrets', '.env', 'node_modules', 'dist', '.git']) expect(ignored).toContain(entry);
  });
});

// --- dashboards ------------------------------------------------------------------------------

const dashboardFiles = dashboardFileNames();
const dashboards = loadDashboards();

const ruleExpressions = loadRuleGroups().flatMap((group) => group.rules.map((rule) => rule.expr));
const datasourceExprs = datasourceExpressions();

const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'and',
  'or',
  'unless',
  'inf',
  'nan',
]);

/**
 * The metric names an expression selects: identifiers left once strings, label matchers, ranges,
 * label lists and offsets are removed, that are neither functions (followed by "(") nor keywords.
 */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\boffset\s+\S+/g, ' ');
  return [...bare.matchAll(/(?<![\w.])[A-Za-z_:][\w:]*/g)]
    .filter(
      (m) =>
        !bare
          .slice(m.index + m[0].length)
          .trimStart()
          .startsWith('('),
    )
    .map((m) => m[0])
    .filter((name) => !KEYWORDS.has(name.toLowerCase()));
}

/** Histograms among the service's metrics: Prometheus stores them as _bucket, _sum and _count. */
const HISTOGRAMS = [
  'ml_prediction_duration_seconds',
  'ml_prediction_scores',
  'ml_confidence_scores',
  'ml_feature_value',
  'http_server_request_duration_seconds',
  'ml_drift_evaluation_duration_seconds',
  'ml_feedback_label_delay_seconds',
];

async function exportedNames(): Promise<Set<string>> {
  const service = Object.values(METRIC_NAMES) as string[];
  const defaults = new Registry();
  collectDefaultMetrics({ register: defaults });
  // getMetricsAsJSON() reports the type as a string ('histogram'); prom-client's typings say an enum.
  const processMetrics = (await defaults.getMetricsAsJSON()) as unknown as { name: string; type: string }[];
  const withSeries = (name: string, histogram: boolean) => (histogram ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name]);
  return new Set([
    ...service.flatMap((name) => withSeries(name, HISTOGRAMS.includes(name))),
    ...processMetrics.flatMap((m) => withSeries(m.name, m.type === 'histogram')),
    ...recordingRuleNames(),
    'up',
    'ALERTS',
  ]);
}

describe('dashboards', () => {
  it('the committed JSON is what scripts/dashboards.ts generates (npm run dashboards:check)', () => {
    const rendered = renderDashboards();
    expect(dashboardFiles.sort()).toEqual([...rendered.keys()].sort());
    for (const [name, text] of rendered)
      expect(readFileSync(join(DASHBOARDS_DIR, name), 'utf8'), `${name}: run npm run dashboards`).toBe(text);
  });

  it('refers to data sources only by the fixed uids of grafana-datasources.yml', () => {
    const uids = (loadYaml(join(REPO_ROOT, 'grafana-datasources.yml')) as { datasources: { uid: string }[] }).datasources.map((d) => d.uid);
    expect(uids.sort()).toEqual(['alertmanager', 'loki', 'prometheus', 'tempo']);
    for (const board of dashboards) {
      const refs = [...JSON.stringify(board).matchAll(/"datasource":\{"type":"(\w+)","uid":"([^"]+)"\}/g)].map((m) => [m[1], m[2]]);
      expect(refs.length, board.uid).toBeGreaterThan(10);
      for (const [type, uid] of refs) {
        expect(uids, board.uid).toContain(uid);
        expect(type).toBe(uid);
      }
    }
  });

  it('the latency panel asks for exemplars (they link to Tempo through the Prometheus data source)', () => {
    const overview = dashboards.find((board) => board.uid === 'ml-service-overview')!;
    const latency = allPanels(overview.panels).find((panel) => panel.title === 'Latency of the prediction routes')!;
    expect(latency.targets!.some((t) => (t as { exemplar?: boolean }).exemplar === true)).toBe(true);
  });

  it('the model-performance dashboard puts realised, estimated and reference side by side and shows the labels behind them', () => {
    const board = dashboards.find((b) => b.uid === 'ml-service-performance')!;
    const graphTargets = (title: string) =>
      allPanels(board.panels)
        .find((panel) => panel.type === 'timeseries' && panel.title === title)!
        .targets!.map((t) => t.expr ?? '');
    const has = (exprs: string[], pattern: RegExp) => {
      const found = exprs.some((e) => pattern.test(e));
      expect(found, String(pattern)).toBe(true);
    };
    for (const [title, metric] of [
      ['ROC AUC', 'roc_auc'],
      ['Precision', 'precision'],
      ['Recall', 'recall'],
      ['F1', 'f1'],
    ] as const) {
      const exprs = graphTargets(title);
      for (const window of ['1d', '7d']) has(exprs, new RegExp(`^ml:performance_${metric}:${window}\\{`));
      has(exprs, new RegExp(`^ml:performance_reference\\{[^}]*metric="${metric}"\\}$`));
      has(exprs, new RegExp(`^ml:performance_reference\\{[^}]*metric="${metric}"\\} - on \\([^)]*\\) ml:performance_margin`));
      // CBPE estimates precision, recall and F1; the prediction-side counters hold no score distribution for an AUC.
      expect(exprs.some((e) => e.startsWith(`ml:performance_estimated_${metric}:`))).toBe(metric !== 'roc_auc');
    }
    const all = dashboardExpressions(board);
    has(all, /ml:feedback_labels:increase1d.*\/.*ml:prediction_decisions:increase1d/);
    for (const q of ['0.5', '0.9', '0.99']) has(all, new RegExp(`^histogram_quantile\\(${q}, .*ml_feedback_label_delay_seconds_bucket`));
    has(all, /sum by \(outcome\) \(increase\(ml_feedback_total\{/);
    for (const name of ['brier', 'ece', 'roc_auc_error_bound']) has(all, new RegExp(`^ml:performance_${name}:1d\\{`));
    has(all, /^ml:performance_realised:alerting\{/);
    has(all, /alertname=~"ModelPerformanceBelowReference\|FeedbackStopped"/);
  });

  it('names only metrics the service exports, recording rules of alert-rules.yml, up and ALERTS', async () => {
    for (const name of HISTOGRAMS) expect(Object.values(METRIC_NAMES)).toContain(name);
    const known = await exportedNames();
    const expressions = [...dashboards.flatMap(dashboardExpressions), ...ruleExpressions, ...datasourceExprs];
    expect(expressions.length).toBeGreaterThan(60);
    const unknown = expressions.flatMap((expr) =>
      metricNames(asPromQL(expr))
        .filter((name) => !known.has(name))
        .map((name) => `${name} in ${expr}`),
    );
    expect(unknown).toEqual([]);
  });

  it('the metric-name check sees through functions, aggregations, matchers and offsets', () => {
    expect(
      metricNames('sum by (job, le) (rate(a_total{x="b c", y=~"d|e"}[5m] offset 1d)) / on (job) group_left () (b > 0.1) and c_1e3 or 1e-3'),
    ).toEqual(['a_total', 'b', 'c_1e3']);
  });
});

describe('secrets stay out of the repository', () => {
  it('docs/secrets.example holds placeholders only', () => {
    const dir = join(REPO_ROOT, 'docs/secrets.example');
    for (const name of readdirSync(dir).filter((n) => n !== 'README.md')) {
      expect(statSync(join(dir, name)).size, name).toBeLessThan(200);
      expect(readFileSync(join(dir, name), 'utf8'), name).toMatch(/replace|change-me/i);
    }
  });
});
