import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PACKAGED_MODELS_DIR } from '../../src/config/index.js';
import { StartupError } from '../../src/errors.js';
import { loadModelRegistry } from '../../src/model/index.js';

const SOURCE = join(PACKAGED_MODELS_DIR, 'fraud-detection', 'v1.0');

describe('loadModelRegistry', () => {
  let root: string;
  let dir: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'ml-registry-'));
    dir = join(root, 'fraud-detection', 'v1.0');
    await cp(SOURCE, dir, { recursive: true });
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  /** The load must fail with a one-line StartupError matching `pattern`. */
  async function expectStartupError(pattern: RegExp | string) {
    const error = await loadModelRegistry(root, { intraOpThreads: 1 }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(StartupError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    if (typeof pattern === 'string') expect(message).toContain(pattern);
    else expect(message).toMatch(pattern);
    return message;
  }

  const edit = async (file: string, change: (text: string) => string) =>
    writeFile(join(dir, file), change(await readFile(join(dir, file), 'utf8')));

  it('loads the embedded model, its 5,000 reference rows, and scores them', async () => {
    const registry = await loadModelRegistry(root, { intraOpThreads: 1 });
    const model = registry.get('fraud-detection', 'v1.0')!;
    expect(model.reference.rows).toBe(5000);
    expect(model.referencePredictions).toHaveLength(5000);
    const mean = model.referencePredictions.reduce((a, b) => a + b, 0) / 5000;
    // The holdout fraud rate is about 2 %; a calibrated model's mean score is close to it.
    expect(mean).toBeGreaterThan(0.01);
    expect(mean).toBeLessThan(0.04);
    await registry.close();
  });

  it('missing model.onnx -> names the file', async () => {
    await rm(join(dir, 'model.onnx'));
    await expectStartupError(`${join(dir, 'model.onnx')}: cannot read model: ENOENT`);
  });

  it('corrupt model.onnx -> names the file', async () => {
    const bytes = await readFile(join(dir, 'model.onnx'));
    await writeFile(join(dir, 'model.onnx'), bytes.subarray(0, 1000));
    await expectStartupError(`${join(dir, 'model.onnx')}: not a loadable ONNX model`);
  });

  it('schema.json that is not JSON -> file:line:column', async () => {
    await edit('schema.json', (text) => text.replace('"format_version": 1,', '"format_version": 1,,'));
    await expectStartupError(new RegExp(`${join(dir, 'schema.json')}:2:\\d+: invalid JSON`));
  });

  it('schema.json of the wrong shape -> names the file and the JSON path', async () => {
    await edit('schema.json', (text) => text.replace('"type": "numeric"', '"type": "number"'));
    await expectStartupError(`${join(dir, 'schema.json')}: features.0.type`);
  });

  it('schema.json whose encoding does not fit the model input -> names model.onnx and both widths', async () => {
    await edit('schema.json', (text) => text.replace('"prepaid"\n', '"prepaid",\n        "gift"\n'));
    await expectStartupError(/model\.onnx: input "features" has shape \[N, 22\]; schema\.json encodes rows of width 23/);
  });

  it('missing schema.json -> names the file', async () => {
    await rm(join(dir, 'schema.json'));
    await expectStartupError(`${join(dir, 'schema.json')}: cannot read schema: ENOENT`);
  });

  it('reference.csv with a bad number -> file:line:column', async () => {
    await edit('reference.csv', (text) => {
      const lines = text.split('\n');
      const cells = lines[4]!.split(',');
      cells[2] = 'abc';
      lines[4] = cells.join(',');
      return lines.join('\n');
    });
    await expectStartupError(`${join(dir, 'reference.csv')}:5:3: hour must be a finite float32 number, got "abc"`);
  });

  it('reference.csv with an unknown category -> file:line:column', async () => {
    await edit('reference.csv', (text) => text.replace(/,credit\n/, ',platinum\n'));
    await expectStartupError(/reference\.csv:\d+:12: card_type has no category "platinum"/);
  });

  it('reference.csv with a ragged row -> file:line', async () => {
    await edit('reference.csv', (text) => {
      const lines = text.split('\n');
      lines[6] = lines[6]!.split(',').slice(0, 5).join(',');
      return lines.join('\n');
    });
    await expectStartupError(`${join(dir, 'reference.csv')}:7: malformed CSV`);
  });

  it('reference.csv without a feature column -> names it', async () => {
    await edit('reference.csv', (text) =>
      text
        .split('\n')
        .map((line) => line.split(',').slice(0, -1).join(','))
        .join('\n'),
    );
    await expectStartupError(`${join(dir, 'reference.csv')}:1:1: header lacks feature column(s): card_type`);
  });

  it('missing reference.csv -> names the file', async () => {
    await rm(join(dir, 'reference.csv'));
    await expectStartupError(`${join(dir, 'reference.csv')}: cannot read reference data: ENOENT`);
  });

  it('schema.json naming another model than its directory -> names both', async () => {
    await edit('schema.json', (text) => text.replace('"version": "v1.0"', '"version": "v2.0"'));
    await expectStartupError('declares fraud-detection@v2.0 but lives in fraud-detection/v1.0/');
  });

  it('a directory name that cannot be a metric label -> names it', async () => {
    await mkdir(join(root, 'bad name', 'v1'), { recursive: true });
    await expectStartupError(`${join(root, 'bad name')}: directory name must be`);
  });

  it('MODELS_DIR that does not exist, or holds no model -> names the variable', async () => {
    await expect(loadModelRegistry(join(root, 'nope'), { intraOpThreads: 1 })).rejects.toThrow(
      /^MODELS_DIR=.*nope: cannot read directory: ENOENT$/,
    );
    const empty = await mkdtemp(join(tmpdir(), 'ml-empty-'));
    try {
      await expect(loadModelRegistry(empty, { intraOpThreads: 1 })).rejects.toThrow(/^MODELS_DIR=.*: no models found/);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
