#!/usr/bin/env node
/** `node dist/cli.js …` (as `npm run drift` runs it): the same entry as bin/ml-service.js. */
import { runCli } from './cli/main.js';

process.exitCode = await runCli(process.argv.slice(2));
