#!/usr/bin/env node
import { DRIFT_USAGE, runDriftCommand } from './cli/drift-command.js';
import { InputError } from './cli/csv-table.js';

/**
 * `ml-service <command>`: offline tools sharing the service's code. Today: `drift`.
 * Exit codes: 0 success, 2 bad input (one line naming the file, line and column), 1 a bug.
 */
async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== 'drift') {
    process.stderr.write(`ml-service: unknown command ${JSON.stringify(command ?? '')}\n${DRIFT_USAGE}\n`);
    return 2;
  }
  try {
    const { output } = await runDriftCommand(rest);
    process.stdout.write(output);
    return 0;
  } catch (err) {
    if (err instanceof InputError) {
      process.stderr.write(`ml-service drift: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

process.exitCode = await main(process.argv.slice(2));
