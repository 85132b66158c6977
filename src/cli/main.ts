import { HELP_OPTION, parseCommandLine, UsageError } from './command-line.js';
import { InputError } from './csv-table.js';
import { runDriftCommand } from './drift-command.js';

export const CLI_USAGE = `usage: ml-service <command> [options]
       ml-service <command> --help
       ml-service --help

Offline tools sharing the service's code (the service itself: npm start).

commands:
  drift    compare two CSV files column by column with the drift monitor's tests

Exit 0 on success, 2 on bad input or a bad command line, 1 on a bug.`;

const HELP = 'ml-service --help';

/**
 * `ml-service <command> …`; resolves with the exit code. Options before the command are the
 * CLI's own (only --help); everything after it belongs to the command.
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  const commandAt = argv.findIndex((arg) => !arg.startsWith('-'));
  const own = commandAt === -1 ? argv : argv.slice(0, commandAt);
  const command = commandAt === -1 ? undefined : argv[commandAt];
  try {
    const { values } = parseCommandLine({ args: [...own], options: HELP_OPTION, strict: true, allowPositionals: false }, HELP);
    if (values.help) {
      process.stdout.write(`${CLI_USAGE}\n`);
      return 0;
    }
    if (command === undefined) throw new UsageError(`no command given (see ${HELP})`);
    if (command !== 'drift') throw new UsageError(`unknown command ${JSON.stringify(command)} (see ${HELP})`);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`ml-service: ${err.message}\n`);
    return 2;
  }
  try {
    const result = await runDriftCommand(argv.slice(commandAt + 1));
    process.stdout.write(result.output);
    if (result.notice !== undefined) process.stderr.write(`ml-service drift: ${result.notice}\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    process.stderr.write(`ml-service drift: ${err.message}\n`);
    return 2;
  }
}
