import { spawnSync } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/loopback-binary.js';
import { spawnServer, type ServerProcess } from '../helpers/process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The ```js block of the README's "### gRPC" subsection. */
async function readmeClient(): Promise<string> {
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('\n### gRPC\n'));
  const block = /```js\n([\s\S]*?)```/.exec(section.slice(0, section.indexOf('\n## ')));
  if (!block) throw new Error('README.md: no ```js block under "### gRPC"');
  return block[1]!;
}

describe("the README's gRPC client example", () => {
  let server: ServerProcess | undefined;
  afterEach(() => {
    server?.child.kill('SIGKILL');
    server = undefined;
  });

  it('runs verbatim (but for the port) against the built server and prints a score and a prediction id', async () => {
    const code = await readmeClient();
    expect(code).toContain("'localhost:8001'");
    const port = await freePort();
    server = await spawnServer({ GRPC_ENABLED: 'true', GRPC_PORT: String(port) });
    await server.waitForLog((l) => l.msg === `gRPC server listening at 127.0.0.1:${port}`, 'gRPC listening');
    // In the repository's root, as a reader runs it: the .proto path and the packages resolve from there.
    const file = `${ROOT}readme-grpc-example.test-tmp.mjs`;
    await writeFile(file, code.replace("'localhost:8001'", `'127.0.0.1:${port}'`));
    try {
      const run = spawnSync(process.execPath, [file], { cwd: ROOT, encoding: 'utf8', timeout: 20_000 });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      const [score, id] = run.stdout.trim().split(' ');
      expect(Number(score)).toBeGreaterThan(0);
      expect(Number(score)).toBeLessThan(1);
      expect(id).toMatch(/^p1\.[A-Za-z0-9_-]+$/);
    } finally {
      await rm(file, { force: true });
    }
  });
});
