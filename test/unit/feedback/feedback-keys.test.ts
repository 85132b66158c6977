import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { FEEDBACK_MIN_KEY_BYTES, loadConfig } from '../../../src/config/index.js';
import { StartupError } from '../../../src/errors.js';
import { MIN_KEY_BYTES } from '../../../src/feedback/prediction-id.js';

const dir = mkdtempSync(join(tmpdir(), 'feedback-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const key32 = randomBytes(32);
const key48 = randomBytes(48);
const short = randomBytes(16).toString('base64');

/** The StartupError message loadConfig throws for `env`, or 'accepted'. */
function refusal(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(StartupError);
    return (err as Error).message;
  }
  return 'accepted';
}

describe('FEEDBACK_KEYS, FEEDBACK_KEY_FILE, FEEDBACK_HORIZON_DAYS', () => {
  it('the minimum key size is the codec’s', () => {
    expect(FEEDBACK_MIN_KEY_BYTES).toBe(MIN_KEY_BYTES);
  });

  it('neither set: no keys (the app makes a random one); a 30-day horizon', () => {
    const { feedback } = loadConfig({});
    expect(feedback.keys.count).toBe(0);
    expect(feedback.horizonSeconds).toBe(30 * 86_400);
    expect(loadConfig({ FEEDBACK_HORIZON_DAYS: '7' }).feedback.horizonSeconds).toBe(7 * 86_400);
  });

  it('reads standard and URL-safe base64, padded or not, in order: the variable’s keys, then the file’s', () => {
    const urlSafe = key48.toString('base64url');
    const path = file('keys', `# rotation: new first\n\n  ${key32.toString('base64')}  \r\n#old\n${urlSafe}\n`);
    const keys = loadConfig({
      FEEDBACK_KEYS: ` ${key48.toString('base64')} , ${key32.toString('base64').replace(/=+$/, '')},`,
      FEEDBACK_KEY_FILE: path,
    }).feedback.keys.reveal();
    expect(keys.map((k) => k.toString('hex'))).toEqual([key48, key32, key32, key48].map((k) => k.toString('hex')));
  });

  it('a bad key stops startup with one line naming the variable or the file and line, never quoting a key', () => {
    const good = key32.toString('base64');
    const cases: [Record<string, string>, string][] = [
      [{ FEEDBACK_KEYS: short }, 'invalid environment: FEEDBACK_KEYS: key 1 of 1: 16 bytes, at least 32 are needed'],
      [{ FEEDBACK_KEYS: `${good},${good.slice(0, -4)}!!!!` }, 'invalid environment: FEEDBACK_KEYS: key 2 of 2: not base64'],
      [{ FEEDBACK_KEYS: `${good}x` }, 'invalid environment: FEEDBACK_KEYS: key 1 of 1: not base64'],
      [{ FEEDBACK_KEYS: ' , ' }, 'invalid environment: FEEDBACK_KEYS: no key'],
      [
        { FEEDBACK_KEY_FILE: join(dir, 'absent') },
        `invalid environment: FEEDBACK_KEY_FILE=${join(dir, 'absent')}: cannot read the file (ENOENT)`,
      ],
      [{ FEEDBACK_KEY_FILE: dir }, `invalid environment: FEEDBACK_KEY_FILE=${dir}: cannot read the file (EISDIR)`],
      [{ FEEDBACK_KEY_FILE: file('empty', '# only a comment\n\n') }, `FEEDBACK_KEY_FILE=${join(dir, 'empty')}: no key in the file`],
      [{ FEEDBACK_KEY_FILE: file('third', `# keys\n${good}\n${short}\n`) }, `FEEDBACK_KEY_FILE=${join(dir, 'third')}:3: 16 bytes`],
      [{ FEEDBACK_HORIZON_DAYS: '0' }, 'invalid environment: FEEDBACK_HORIZON_DAYS="0"'],
    ];
    for (const [env, expected] of cases) {
      const message = refusal(env);
      expect(message).toContain(expected);
      expect(message).not.toContain('\n');
      expect(message).not.toContain(short);
      expect(message).not.toContain(good.slice(0, 12));
    }
  });

  it('the keys never show when the configuration is printed', () => {
    const secret = key32.toString('base64');
    const config = loadConfig({ FEEDBACK_KEYS: secret });
    for (const printed of [JSON.stringify(config), inspect(config, { depth: 10, showHidden: true }), String(config.feedback.keys)]) {
      expect(printed).not.toContain(secret);
      expect(printed).not.toContain(key32.toString('hex'));
    }
    expect(JSON.stringify(config.feedback)).toContain('[1 feedback key(s)]');
  });
});
