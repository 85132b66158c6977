import { readFile } from 'node:fs/promises';
import { StartupError } from '../errors.js';
import { modelSchemaFile, type ModelSchemaFile } from './feature-schema.js';

/**
 * Read and validate a model's `schema.json`. Apart from model-registry.ts so that the command line
 * can read a model directory's schema without loading onnxruntime.
 */
export async function readSchemaFile(path: string): Promise<ModelSchemaFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new StartupError(`${path}: cannot read schema: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new StartupError(`${path}${jsonErrorPosition(text, err as Error)}: invalid JSON: ${(err as Error).message}`);
  }
  const parsed = modelSchemaFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length > 0 ? issue.path.join('.') : '(root)';
    throw new StartupError(`${path}: ${where}: ${issue.message}`);
  }
  return parsed.data;
}

/** ":line:column" of a JSON.parse error, from the "position N" V8 puts in its message. */
function jsonErrorPosition(text: string, err: Error): string {
  const match = /position (\d+)/.exec(err.message);
  if (!match) return '';
  const before = text.slice(0, Number(match[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `:${line}:${column}`;
}
