import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { StartupError } from '../errors.js';

/**
 * Shortest secret accepted, in bytes: 256 bits, the strength of the AES-256 key the prediction-id
 * codec derives from it (src/feedback/prediction-id.ts MIN_KEY_BYTES; a unit test checks they agree).
 */
export const FEEDBACK_MIN_KEY_BYTES = 32;

/**
 * The secrets that sign and verify prediction ids, in order: the first signs, all verify. They
 * never reach a log line or an error message: printing the object (JSON or util.inspect) shows
 * only how many there are.
 */
export class FeedbackKeys {
  readonly #keys: readonly Buffer[];
  constructor(keys: readonly Buffer[]) {
    this.#keys = Object.freeze([...keys]);
  }
  get count(): number {
    return this.#keys.length;
  }
  /** The secrets themselves, for the codec only. */
  reveal(): readonly Buffer[] {
    return this.#keys;
  }
  toJSON(): string {
    return `[${this.#keys.length} feedback key(s)]`;
  }
  [inspect.custom](): string {
    return this.toJSON();
  }
}

// Standard or URL-safe base64, padded or not; Buffer.from(…, 'base64') skips anything else silently.
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;
const canonical = (text: string) => text.replace(/=+$/, '').replaceAll('-', '+').replaceAll('_', '/');

/** One key, or the reason it is refused (never quoting the key). */
function decodeKey(text: string): Buffer | string {
  if (!BASE64.test(text)) return 'not base64';
  const key = Buffer.from(text, 'base64');
  // A length of 1 mod 4 or non-zero spare bits would decode to something other than what was written.
  if (canonical(key.toString('base64')) !== canonical(text)) return 'not base64';
  if (key.length < FEEDBACK_MIN_KEY_BYTES) {
    return `${key.length} bytes, at least ${FEEDBACK_MIN_KEY_BYTES} are needed (e.g. openssl rand -base64 ${FEEDBACK_MIN_KEY_BYTES})`;
  }
  return key;
}

/** FEEDBACK_KEYS: comma-separated base64 keys; empty entries (a trailing comma) are skipped. */
function keysFromList(list: string): Buffer[] {
  const entries = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new StartupError('invalid environment: FEEDBACK_KEYS: no key (comma-separated base64 keys)');
  return entries.map((entry, i) => {
    const key = decodeKey(entry);
    if (typeof key === 'string') throw new StartupError(`invalid environment: FEEDBACK_KEYS: key ${i + 1} of ${entries.length}: ${key}`);
    return key;
  });
}

/** FEEDBACK_KEY_FILE: one base64 key per line; blank lines and lines starting with '#' are skipped. */
function keysFromFile(path: string): Buffer[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new StartupError(`invalid environment: FEEDBACK_KEY_FILE=${path}: cannot read the file (${code})`);
  }
  const keys: Buffer[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const key = decodeKey(line);
    if (typeof key === 'string') throw new StartupError(`FEEDBACK_KEY_FILE=${path}:${i + 1}: ${key}`);
    keys.push(key);
  });
  if (keys.length === 0) throw new StartupError(`FEEDBACK_KEY_FILE=${path}: no key in the file (one base64 key per line)`);
  return keys;
}

/**
 * The keys of FEEDBACK_KEYS, then those of FEEDBACK_KEY_FILE (so with both set, the variable's first
 * key signs). Neither set: no keys, and the app signs with a random key of its own (and warns).
 * A bad key stops the process with one line naming the variable, or the file and line.
 */
export function loadFeedbackKeys(list: string, file: string): FeedbackKeys {
  return new FeedbackKeys([...(list === '' ? [] : keysFromList(list)), ...(file === '' ? [] : keysFromFile(file))]);
}
