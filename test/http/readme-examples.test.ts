import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../helpers/app.js';
import { parseCurl, shellWords } from '../helpers/curl.js';

const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('## Try it'), readme.indexOf('\n## ', readme.indexOf('## Try it') + 1));
const blocks = [...section.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!, text: m[2]! }));
const commands = blocks
  .filter((b) => b.lang === 'bash')
  .flatMap((b) => b.text.replace(/\\\n/g, '\\\n').split(/\n(?=curl )/))
  .map((c) => c.trim())
  .filter((c) => c.startsWith('curl '));

describe("the README's curl examples, verbatim", () => {
  let service: RunningApp;
  beforeEach(async () => {
    service = await startApp();
  });
  afterEach(() => service.close());

  it('finds the examples, the seed request first', () => {
    expect(commands.length).toBeGreaterThanOrEqual(6);
    expect(commands[0]).toContain('"features": {"amount": 100, "age": 35}');
  });

  it.each(commands.map((c, i) => [i, c] as const))('example %i answers 200 with JSON', async (_i, command) => {
    const curl = parseCurl(shellWords(command));
    expect(curl.url.startsWith('http://localhost:8000/')).toBe(true);
    const response = await fetch(curl.url.replace('http://localhost:8000', service.url), {
      method: curl.method,
      headers: curl.headers,
      ...(curl.body !== undefined && { body: curl.body }),
    });
    expect(response.status, await response.clone().text()).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('the documented answer to the seed request is the actual answer', async () => {
    const documented = blocks.find((b) => b.lang === 'json')!.text.trim();
    const curl = parseCurl(shellWords(commands[0]!));
    const response = await fetch(curl.url.replace('http://localhost:8000', service.url), {
      method: curl.method,
      headers: curl.headers,
      body: curl.body!,
    });
    // Byte for byte, but for the prediction id, which differs on every call (README, Model performance).
    const id = /"prediction_id":"p1\.[A-Za-z0-9_-]{50}"/;
    const actual = await response.text();
    expect(documented).toMatch(id);
    expect(actual).toMatch(id);
    expect(actual.replace(id, '')).toBe(documented.replace(id, ''));
  });
});
