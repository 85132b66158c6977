import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../alerts/rule-file.js';
import { findBinary, hasBinary } from '../../helpers/binaries.js';

/**
 * docker-compose.yml as Compose itself reads it: `docker-compose config` parses, interpolates and
 * checks the file against the Compose specification without a container engine. What the file
 * means for the stack (mounts, ports, healthchecks) is test/unit/ops/static-compose.test.ts.
 */

const COMPOSE_INSTALL = 'bash scripts/install-runtimes.sh (docker-compose from Debian unstable, into .runtimes/bin)';
const hasCompose = hasBinary('docker-compose', COMPOSE_INSTALL);

interface PortConfig {
  host_ip: string;
  target: number;
  published: string;
}
interface ServiceConfig {
  ports?: PortConfig[];
  container_name?: string;
  environment?: Record<string, string>;
  secrets?: { source: string; target: string }[];
}
interface ComposeConfig {
  services: Record<string, ServiceConfig>;
  secrets: Record<string, { file: string }>;
}

function composeConfig(): ComposeConfig {
  const result = spawnSync(findBinary(['docker-compose'])!, ['--file', 'docker-compose.yml', 'config', '--format', 'json'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as ComposeConfig;
}

describe.skipIf(!hasCompose)('docker-compose config', () => {
  it('accepts the file, and ml-service publishes a port range on loopback (so it can be scaled)', () => {
    const service = composeConfig().services['ml-service']!;
    expect(service.container_name).toBeUndefined();
    expect(service.ports).toEqual([expect.objectContaining({ host_ip: '127.0.0.1', target: 8000, published: '8000-8009' })]);
  });

  it('mounts the prediction-id key file ./secrets/feedback_keys where FEEDBACK_KEY_FILE points, for every replica', () => {
    const config = composeConfig();
    const service = config.services['ml-service']!;
    // Compose's own resolution of the secret's mount point; every replica of the service gets it.
    const mounted = service.secrets?.find((s) => s.target === service.environment?.['FEEDBACK_KEY_FILE']);
    expect(mounted, JSON.stringify(service.secrets)).toBeDefined();
    expect(config.secrets[mounted!.source]!.file).toBe(join(REPO_ROOT, 'secrets/feedback_keys'));
  });
});
