import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { CAN_PIN } from './lib.js';

const root = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');

// Servers still running when the bench process exits (an exception, Ctrl-C) are killed with it.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A port that was free a moment ago (the server is told to bind it: its stdout is not ours to read). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface ServiceProcess {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** From spawn to the first 200 of `readyPath`, ms (to within `pollMs`). */
  readonly readyMs: number;
  /** What the process wrote to stderr so far. */
  stderr(): string;
  /** SIGTERM (graceful: pending spans are exported), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface ServiceOptions {
  readonly name: string;
  /** node arguments after the executable. */
  readonly args: readonly string[];
  readonly env: Record<string, string>;
  /** File that receives the process's stdout (its JSON log); default /dev/null. */
  readonly stdoutFile?: string;
  /** GET path that answers 200 once the process is ready to serve. */
  readonly readyPath: string;
  readonly deadlineMs?: number;
  /** Interval between polls of `readyPath`, ms; default 50 (startup timings use less). */
  readonly pollMs?: number;
}

/**
 * Start a server pinned to core 0 with stdout going straight to a file or /dev/null (never a
 * pipe into this process, which could back-pressure a logging server), and wait until
 * `readyPath` answers 200: for a traced service that includes the exporter warm-up.
 */
/** 32 bytes, base64: a benchmark key, not a secret. */
const BENCH_FEEDBACK_KEY = Buffer.alloc(32, 7).toString('base64');

export async function startService(options: ServiceOptions): Promise<ServiceProcess> {
  const port = await freePort();
  const out = options.stdoutFile ? openSync(options.stdoutFile, 'w') : 'ignore';
  const command = CAN_PIN ? 'taskset' : process.execPath;
  const argv = CAN_PIN ? ['-c', '0', process.execPath, ...options.args] : [...options.args];
  const spawnedAt = performance.now();
  const child = spawn(command, argv, {
    cwd: root,
    // A fixed feedback key, as a fleet is configured: without one the service logs a startup warning,
    // which the collector-down figures would count among their warning lines.
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), FEEDBACK_KEYS: BENCH_FEEDBACK_KEY, ...options.env },
    stdio: ['ignore', out, 'pipe'],
  });
  if (typeof out === 'number') closeSync(out);
  running.add(child);
  child.once('exit', () => running.delete(child));
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // A server nobody stopped must not keep the bench from exiting (the exit hook kills it).
  child.unref();
  (child.stderr as unknown as { unref(): void }).unref();
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.deadlineMs ?? 30_000);
  let readyMs: number;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${options.name} exited with ${child.exitCode} before ready: ${stderr}`);
    try {
      const response = await fetch(`${url}${options.readyPath}`);
      await response.arrayBuffer();
      if (response.status === 200) {
        readyMs = performance.now() - spawnedAt;
        break;
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${options.name} not ready within the deadline: ${stderr}`);
    }
    await sleep(options.pollMs ?? 50);
  }
  return {
    name: options.name,
    url,
    pid: child.pid!,
    child,
    readyMs,
    stderr: () => stderr,
    stop: (graceMs = 5000) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        // Held again until it has exited: past the grace, the SIGKILL's exit event is what ends the wait.
        child.ref();
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ: `getconf CLK_TCK` is 100 on every Linux we run on

/** CPU time (user + system, every thread) a process has used so far, in seconds, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15 (proc(5)).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/**
 * Busy time of one CPU core so far (user + nice + system + irq + softirq + steal), in seconds,
 * from /proc/stat. Minus the server's own CPU time over a window, it is what other processes
 * (other jobs on a shared machine) took from the server's core: the noise of that window.
 */
export function coreBusySeconds(core: number): number {
  const line = readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`cpu${core} `));
  if (!line) return NaN;
  const [user, nice, system, , , irq, softirq, steal] = line.split(/\s+/).slice(1).map(Number);
  return (user! + nice! + system! + irq! + softirq! + steal!) / CLOCK_TICKS_PER_SECOND;
}

/** Current prometheus text exposition of a service, as { 'name{labels}': value }. */
export async function scrape(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    values.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return values;
}
