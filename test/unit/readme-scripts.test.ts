import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';

const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };

describe("README's npm scripts table", () => {
  it('documents every script of package.json (pre/post hooks aside)', () => {
    const start = readme.indexOf('\n### npm scripts\n');
    expect(start).toBeGreaterThanOrEqual(0);
    const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
    const documented = new Set([...section.matchAll(/`(?:npm run |npm )?([a-z][a-z0-9:-]*)`/g)].map((m) => m[1]));
    const missing = Object.keys(pkg.scripts).filter((name) => !/^(pre|post)/.test(name) && !documented.has(name));
    expect(missing).toEqual([]);
  });
});
