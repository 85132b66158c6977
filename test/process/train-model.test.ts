import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PACKAGED_MODELS_DIR } from '../../src/config/index.js';

const run = promisify(execFile);
const FILES = ['model.onnx', 'schema.json', 'reference.csv', 'README.md'];

// The training runs in a child process, as `npm run train-model` runs it (about 10 s): a process-tier test.
describe('npm run train-model', () => {
  it('regenerates the committed model directory byte for byte', async () => {
    const out = await mkdtemp(join(tmpdir(), 'ml-train-'));
    try {
      const script = new URL('../../scripts/train-model.ts', import.meta.url).pathname;
      const { stdout } = await run(process.execPath, ['--import', 'tsx', script, '--out', out], { maxBuffer: 1 << 20 });
      expect(stdout).toMatch(/ROC AUC 0\.9\d+/);
      for (const file of FILES) {
        const committed = await readFile(join(PACKAGED_MODELS_DIR, 'fraud-detection', 'v1.0', file));
        const regenerated = await readFile(join(out, file));
        expect(regenerated.equals(committed), `${file} differs from the committed copy`).toBe(true);
      }
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
