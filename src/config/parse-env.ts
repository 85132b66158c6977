import type { z } from 'zod';
import { StartupError } from '../errors.js';

/**
 * The one way an environment variable becomes a value, for every variable the service reads
 * (ours and OTEL_*): surrounding whitespace is trimmed, an empty value counts as unset (as in most
 * container tooling), and a bad value throws a StartupError naming every bad variable on one line.
 */
export function parseEnv<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  const input: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key]?.trim();
    if (value !== undefined && value !== '') input[key] = value;
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? '?');
      return `${key}=${JSON.stringify(input[key] ?? '')}: ${issue.message}`;
    });
    throw new StartupError(`invalid environment: ${problems.join('; ')}`);
  }
  return parsed.data;
}
