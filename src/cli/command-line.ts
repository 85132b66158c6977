import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake on the command line: the command prints it as one line and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** `-h` and `--help`: every command answers them with its usage on stdout and exit 0. */
export const HELP_OPTION = { help: { type: 'boolean', short: 'h', default: false } } as const;

/**
 * node:util parseArgs, its errors turned into a UsageError that names the help command. Node's
 * messages are one line already ("Unknown option '--x'", "Option '--rate <value>' argument
 * missing"); any other error is a bug and keeps its stack.
 */
export function parseCommandLine<T extends ParseArgsConfig>(config: T, helpCommand: string): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_'))
      throw new UsageError(`${(err as Error).message} (see ${helpCommand})`);
    throw err;
  }
}
