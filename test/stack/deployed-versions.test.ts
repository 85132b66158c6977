import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadYaml } from '../alerts/load-yaml.js';
import { REPO_ROOT } from '../alerts/rule-file.js';
import { ALERTMANAGER_INSTALL, ALERTMANAGER_NAMES, binary, hasBinary, PROMETHEUS_INSTALL } from '../helpers/binaries.js';

/**
 * The versions you deploy are the versions you test: the Prometheus and Alertmanager that
 * docker-compose.yml (and any manifest under deploy/) runs have the major.minor of the binaries
 * that the alert and stack tests run (.runtimes/bin first: bash scripts/install-runtimes.sh), and
 * the Dockerfile's Node major is the one .ci/run's second pass runs (.runtimes/node24). A
 * Prometheus minor changes PromQL and rule evaluation (3.0: left-open range selectors, `le`
 * normalised on scrape), so a test run on another minor says little about the deployed one.
 */

const hasPrometheus = hasBinary('prometheus', PROMETHEUS_INSTALL);
const hasPromtool = hasBinary('promtool', PROMETHEUS_INSTALL);
const hasAlertmanager = hasBinary(ALERTMANAGER_NAMES, ALERTMANAGER_INSTALL);
const hasAmtool = hasBinary('amtool', ALERTMANAGER_INSTALL);

/** `X.Y.Z` from a `--version` line such as "prometheus, version 3.5.3+ds1 (branch: debian/sid, …)". */
function versionOf(program: string): string {
  const result = spawnSync(program, ['--version'], { encoding: 'utf8' });
  const text = `${result.stdout}${result.stderr}`;
  const version = /\bversion (\d+\.\d+\.\d+)/.exec(text)?.[1];
  if (version === undefined) throw new Error(`${program} --version printed no version: ${text}`);
  return version;
}

const majorMinor = (version: string) => version.split('.').slice(0, 2).join('.');

interface Compose {
  services: Record<string, { image?: string }>;
}
const compose = loadYaml(join(REPO_ROOT, 'docker-compose.yml')) as Compose;

/** The upstream version of an image reference `repo:vX.Y.Z`. */
function imageVersion(image: string | undefined): string {
  const version = /:v?(\d+\.\d+\.\d+)$/.exec(image ?? '')?.[1];
  if (version === undefined) throw new Error(`no exact version tag in image ${String(image)}`);
  return version;
}

/** Every `image: …/prometheus:…` (or alertmanager) reference in the YAML files under deploy/. */
function deployImages(program: 'prometheus' | 'alertmanager'): { file: string; image: string }[] {
  const dir = join(REPO_ROOT, 'deploy');
  if (!existsSync(dir)) return [];
  const files = (readdirSync(dir, { recursive: true }) as string[]).filter((file) => /\.ya?ml$/.test(file));
  return files.flatMap((file) =>
    [...readFileSync(join(dir, file), 'utf8').matchAll(new RegExp(`image:\\s*["']?(\\S*\\b${program}:\\S+?)["']?\\s*$`, 'gm'))].map(
      (match) => ({ file: `deploy/${file}`, image: match[1]! }),
    ),
  );
}

describe('the deployed Prometheus and Alertmanager are the tested ones', () => {
  it.skipIf(!hasPrometheus || !hasPromtool)(
    "docker-compose.yml's prom/prometheus has the major.minor of the prometheus and promtool the tests run",
    () => {
      const deployed = imageVersion(compose.services['prometheus']?.image);
      const tested = versionOf(binary('prometheus'));
      const message = `docker-compose.yml runs Prometheus ${deployed}, the tests run ${binary('prometheus')} ${tested}: run bash scripts/install-runtimes.sh, or move the image tag`;
      expect(majorMinor(tested), message).toBe(majorMinor(deployed));
      expect(majorMinor(versionOf(binary('promtool'))), 'promtool and prometheus').toBe(majorMinor(tested));
      for (const { file, image } of deployImages('prometheus')) expect(majorMinor(imageVersion(image)), file).toBe(majorMinor(deployed));
    },
  );

  it.skipIf(!hasAlertmanager || !hasAmtool)(
    "docker-compose.yml's prom/alertmanager has the major.minor of the alertmanager and amtool the tests run",
    () => {
      const deployed = imageVersion(compose.services['alertmanager']?.image);
      const tested = versionOf(binary(ALERTMANAGER_NAMES));
      const message = `docker-compose.yml runs Alertmanager ${deployed}, the tests run ${binary(ALERTMANAGER_NAMES)} ${tested}: run bash scripts/install-runtimes.sh, or move the image tag`;
      expect(majorMinor(tested), message).toBe(majorMinor(deployed));
      expect(majorMinor(versionOf(binary('amtool'))), 'amtool and alertmanager').toBe(majorMinor(tested));
      for (const { file, image } of deployImages('alertmanager')) expect(majorMinor(imageVersion(image)), file).toBe(majorMinor(deployed));
    },
  );
});

describe("the Dockerfile's Node is the Node 24 that .ci/run tests", () => {
  const node24 = join(REPO_ROOT, '.runtimes/node24/bin/node');
  const installed = existsSync(node24);
  if (!installed && process.env['CI'] === 'true')
    throw new Error(`${node24} is required under CI=true; install it with: bash scripts/install-runtimes.sh`);

  it.skipIf(!installed)("the Dockerfile's node image has the major of .runtimes/node24/bin/node", () => {
    const image = /^ARG NODE_IMAGE=node:(\d+)\.\d+\.\d+-/m.exec(readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8'))?.[1];
    const tested = spawnSync(node24, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();
    expect(image, `Dockerfile: Node ${String(image)}, tested: ${tested}`).toBe(tested.split('.')[0]);
  });
});
