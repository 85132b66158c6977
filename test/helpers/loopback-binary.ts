import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { poll } from './poll.js';

/** A loopback port nobody listens on right now (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface RunningBinary {
  readonly dir: string;
  readonly port: number;
  readonly url: string;
  log(): string;
  /** Stop the process and remove its directory. */
  stop(): Promise<void>;
}

export interface BinaryOptions {
  /** The executable, and the name used in messages. */
  readonly command: string;
  readonly name: string;
  /** Files written into the temporary directory before the start (name -> text), given that directory. */
  readonly files: (dir: string) => Record<string, string>;
  readonly args: (dir: string, port: number) => string[];
  readonly deadlineMs?: number;
}

/**
 * Start a Prometheus-style server (one that answers GET /-/ready) on a free loopback port with its
 * files in a temporary directory, and wait until it is ready. A failed start stops it and removes
 * the directory too.
 */
export async function startLoopbackBinary(options: BinaryOptions): Promise<RunningBinary> {
  const dir = await mkdtemp(join(tmpdir(), `ml-service-${options.name}-`));
  let output = '';
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const stop = async () => {
    child?.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (const [name, text] of Object.entries(options.files(dir))) await writeFile(join(dir, name), text);
    const port = await freePort();
    const started = spawn(options.command, options.args(dir, port), { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    started.stdout.on('data', (c: Buffer) => (output += c.toString()));
    started.stderr.on('data', (c: Buffer) => (output += c.toString()));
    exited = new Promise<void>((resolve) => started.on('close', () => resolve()));
    const url = `http://127.0.0.1:${port}`;
    await poll(
      async () => {
        if (started.exitCode !== null) throw new Error(`${options.name} exited at startup: ${output}`);
        return fetch(`${url}/-/ready`).then(
          (r) => r.ok,
          () => false,
        );
      },
      { deadlineMs: options.deadlineMs ?? 30_000, what: `${options.name} ready`, detail: () => output },
    );
    return { dir, port, url, log: () => output, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
