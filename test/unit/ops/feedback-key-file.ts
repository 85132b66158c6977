import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The deployments point FEEDBACK_KEY_FILE at a secret as mounted in the container
 * (/run/secrets/feedback_keys), a file that does not exist where the tests run. A test first checks
 * that path against the mount, then hands loadConfig this stand-in at that path's place: a file
 * made as the documentation says (`openssl rand -base64 32`: 32 random bytes, base64, one line).
 */
export interface StandInKeyFile {
  readonly path: string;
  remove(): void;
}

export function standInKeyFile(): StandInKeyFile {
  const dir = mkdtempSync(join(tmpdir(), 'ml-service-feedback-keys-'));
  const path = join(dir, 'feedback_keys');
  writeFileSync(path, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
