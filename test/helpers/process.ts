import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The built entry point, as `npm start` runs it (npm test builds first). */
export const SERVER_ENTRY = fileURLToPath(new URL('../../dist/server.js', import.meta.url));
/** `npm start` loads this first: tracing on. */
export const INSTRUMENTATION = fileURLToPath(new URL('../../dist/telemetry/instrumentation.js', import.meta.url));

export type LogLine = Record<string, unknown> & { msg?: string; level?: string };

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly port: number;
  readonly logs: LogLine[];
  /** Resolves with the first log line (past or future) matching `predicate`. */
  waitForLog(predicate: (line: LogLine) => boolean, what: string): Promise<LogLine>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

function assertBuilt() {
  if (!existsSync(SERVER_ENTRY)) throw new Error(`${SERVER_ENTRY} is missing: run "npm run build" (npm test does it)`);
}

export interface SpawnOptions {
  /** Start as `npm start` does, with `--import dist/telemetry/instrumentation.js` (tracing on). */
  readonly traced?: boolean;
  readonly deadlineMs?: number;
}

/** Start `node dist/server.js` on an ephemeral port and wait until it listens. */
export async function spawnServer(env: Record<string, string> = {}, options: SpawnOptions = {}): Promise<ServerProcess> {
  assertBuilt();
  const deadlineMs = options.deadlineMs ?? 20_000;
  const args = options.traced ? ['--import', INSTRUMENTATION, SERVER_ENTRY] : [SERVER_ENTRY];
  const child = spawn(process.execPath, args, {
    // Tracing stays off unless a test asks for it (no collector to warn about).
    env: { PATH: process.env['PATH'] ?? '', HOST: '127.0.0.1', PORT: '0', ...(!options.traced && { OTEL_SDK_DISABLED: 'true' }), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  const waiters: { predicate: (line: LogLine) => boolean; resolve: (line: LogLine) => void }[] = [];
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  createInterface({ input: child.stdout! }).on('line', (text) => {
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      line = { msg: text, unparsed: true };
    }
    logs.push(line);
    for (const waiter of [...waiters]) {
      if (waiter.predicate(line)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const waitForLog = (predicate: (line: LogLine) => boolean, what: string) =>
    new Promise<LogLine>((resolve, reject) => {
      const seen = logs.find(predicate);
      if (seen) return resolve(seen);
      const timer = setTimeout(
        () => reject(new Error(`no log line "${what}" within ${deadlineMs} ms; stderr: ${stderr}; logs: ${JSON.stringify(logs)}`)),
        deadlineMs,
      );
      waiters.push({ predicate, resolve: (line) => (clearTimeout(timer), resolve(line)) });
      void exited.then(() => reject(new Error(`server exited before "${what}"; stderr: ${stderr}`)));
    });
  // A server that never says it listens must not outlive the test that started it.
  const listening = await waitForLog(
    (l) => typeof l.msg === 'string' && l.msg.startsWith('Server listening at http://127.0.0.1:'),
    'listening',
  ).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw err;
  });
  const port = Number(/:(\d+)$/.exec(listening.msg!)![1]);
  return { child, url: `http://127.0.0.1:${port}`, port, logs, waitForLog, exited, stderr: () => stderr };
}

/** Run the server expecting it to refuse to start; resolves with its exit code and output. */
export async function runToExit(
  env: Record<string, string>,
  options: { readonly uid?: number; readonly gid?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  assertBuilt();
  const child = spawn(process.execPath, [SERVER_ENTRY], {
    env: { PATH: process.env['PATH'] ?? '', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...options,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, stdout, stderr };
}
