import { spawnSync } from 'node:child_process';
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

describe.skipIf(!hasCompose)('docker-compose config', () => {
  it('accepts the file, and ml-service publishes a port range on loopback (so it can be scaled)', () => {
    const result = spawnSync(findBinary(['docker-compose'])!, ['--file', 'docker-compose.yml', 'config', '--format', 'json'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    expect(result.status, result.stderr).toBe(0);
    const config = JSON.parse(result.stdout) as { services: Record<string, { ports?: PortConfig[]; container_name?: string }> };
    const service = config.services['ml-service']!;
    expect(service.container_name).toBeUndefined();
    expect(service.ports).toEqual([expect.objectContaining({ host_ip: '127.0.0.1', target: 8000, published: '8000-8009' })]);
  });
});
