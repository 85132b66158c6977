import { readFileSync } from 'node:fs';

const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { name: string; version: string };

/** Name and version stamped on every log line and span. */
export const SERVICE = { name: packageJson.name, version: packageJson.version } as const;
