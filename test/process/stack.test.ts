import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ALERTMANAGER_INSTALL, ALERTMANAGER_NAMES, hasBinary, PROMETHEUS_INSTALL } from '../helpers/binaries.js';
import { freePort } from '../helpers/prometheus.js';

const available = hasBinary('prometheus', PROMETHEUS_INSTALL) && hasBinary(ALERTMANAGER_NAMES, ALERTMANAGER_INSTALL);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** `npm run stack` runs `tsx scripts/stack.ts`: the same tsx, without npm (which exits 130 on any SIGINT of its own). */
const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
/** With both secret files present the stack sends to the real Slack and PagerDuty and starts no receiver. */
const LOCAL_RECEIVER = !(existsSync(join(ROOT, 'secrets/slack_webhook_url')) && existsSync(join(ROOT, 'secrets/pagerduty_routing_key')));
const READY_DEADLINE_MS = 60_000;
/** "Promptly": well inside the stack's own 10 s per-child SIGKILL deadline. */
const EXIT_DEADLINE_MS = 8000;

interface Stack {
  readonly tsx: ChildProcess;
  readonly ports: { service: number; prometheus: number; alertmanager: number; receiver: number };
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout(): string;
  stderr(): string;
}

const started: { stack: Stack; pids: number[]; state: string }[] = [];

/** Distinct loopback ports nobody listens on right now. */
async function freePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

type Ports = Stack['ports'];

/** `tsx scripts/stack.ts` in a process group of its own, as a terminal runs it. */
function spawnStack(ports: Ports, state: string): Stack & { readonly up: Promise<void> } {
  const args = [
    '--service-port',
    ports.service,
    '--prometheus-port',
    ports.prometheus,
    '--alertmanager-port',
    ports.alertmanager,
    '--receiver-port',
    ports.receiver,
  ];
  const tsx = spawn(TSX, ['scripts/stack.ts', ...args.map(String), '--state-dir', state], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  tsx.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // 'close', not 'exit': everything it wrote has been read by then.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    tsx.once('close', (code, signal) => resolve({ code, signal })),
  );
  // The banner's last line says the stack is up.
  const up = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not up within ${READY_DEADLINE_MS} ms:\n${stdout}${stderr}`)), READY_DEADLINE_MS);
    createInterface({ input: tsx.stdout! }).on('line', (line) => {
      stdout += `${line}\n`;
      if (line === 'Ctrl-C stops everything.') {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(
      ({ code, signal }) => (
        clearTimeout(timer),
        reject(new Error(`stack exited (${signal ?? code}) before it was up:\n${stdout}${stderr}`))
      ),
    );
  });
  const stack = { tsx, ports, exited, up, stdout: () => stdout, stderr: () => stderr };
  started.push({ stack, pids: [], state });
  return stack;
}

async function freeStackPorts(): Promise<Ports> {
  const [service, prometheus, alertmanager, receiver] = (await freePorts(4)) as [number, number, number, number];
  return { service, prometheus, alertmanager, receiver };
}

async function startStack(): Promise<Stack> {
  const stack = spawnStack(await freeStackPorts(), await mkdtemp(join(tmpdir(), 'ml-service-stack-')));
  await stack.up;
  return stack;
}

/** pid -> parent pid of every process, from /proc (Linux, like the Debian binaries the stack runs). */
function parentPids(): Map<number, number> {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Field 4, after "pid (comm) state"; comm may hold spaces and parentheses.
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // Exited while we looked.
    }
  }
  return parents;
}

/** The processes the stack runs (the service, Prometheus, Alertmanager): descendants of tsx, by command line. */
function stackChildren(stack: Stack): { service?: number; prometheus?: number; alertmanager?: number } {
  const parents = parentPids();
  const descends = (pid: number): boolean => {
    for (let p = parents.get(pid); p !== undefined && p > 1; p = parents.get(p)) if (p === stack.tsx.pid) return true;
    return false;
  };
  const found: { service?: number; prometheus?: number; alertmanager?: number } = {};
  for (const pid of parents.keys()) {
    if (!descends(pid)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // exited while we looked
    }
    const program = basename(argv[0] ?? '');
    if (argv.includes('dist/server.js')) found.service = pid;
    else if (ALERTMANAGER_NAMES.includes(program)) found.alertmanager = pid;
    else if (program === 'prometheus') found.prometheus = pid;
  }
  return found;
}

const alive = (pid: number) => existsSync(`/proc/${pid}`);

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true))).once('error', () => resolve(false));
  });

const bindable = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false)).listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

function exitWithin(stack: Stack, ms: number, after = 'the signal') {
  return Promise.race([
    stack.exited,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`still running ${ms} ms after ${after}:\n${stack.stdout()}${stack.stderr()}`)), ms).unref(),
    ),
  ]);
}

afterEach(async () => {
  // A failed test must not leave a stack behind: the script's group, then its children's own groups.
  for (const { stack, pids, state } of started.splice(0)) {
    const kill = (pid: number) => {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    };
    if (stack.tsx.exitCode === null && stack.tsx.signalCode === null) kill(-stack.tsx.pid!);
    pids.forEach(kill);
    await rm(state, { recursive: true, force: true });
  }
});

describe.skipIf(!available)('npm run stack: stopping', () => {
  async function expectStopsCleanly(send: (stack: Stack) => void) {
    const stack = await startStack();
    const children = stackChildren(stack);
    expect(Object.keys(children).sort(), stack.stdout() + stack.stderr()).toEqual(['alertmanager', 'prometheus', 'service']);
    const pids = Object.values(children);
    started.at(-1)!.pids.push(...pids);
    const ports = LOCAL_RECEIVER ? Object.values(stack.ports) : [stack.ports.service, stack.ports.prometheus, stack.ports.alertmanager];
    for (const port of ports) expect(await accepts(port), `port ${port} listening before the signal`).toBe(true);

    send(stack);

    expect(await exitWithin(stack, EXIT_DEADLINE_MS)).toEqual({ code: 0, signal: null });
    expect(stack.stderr()).toBe('');
    expect(pids.filter(alive), 'stack children still running').toEqual([]);
    for (const port of ports) expect(await bindable(port), `port ${port} free after exit`).toBe(true);
  }

  it('Ctrl-C (SIGINT to the process group, as a terminal sends it) -> service, Prometheus, Alertmanager and receiver stop; exit 0', async () => {
    await expectStopsCleanly((stack) => process.kill(-stack.tsx.pid!, 'SIGINT'));
  });

  it('SIGTERM to the stack process alone -> the same clean stop; exit 0', async () => {
    await expectStopsCleanly((stack) => stack.tsx.kill('SIGTERM'));
  });

  it('Alertmanager cannot start (its port is taken) -> one message naming it, the service and receiver started before it stop, exit 1', async () => {
    const ports = await freeStackPorts();
    // Refuses to talk: the stack's readiness probes that reach it fail at once.
    const squatter = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => squatter.listen(ports.alertmanager, '127.0.0.1', resolve));
    try {
      const stack = spawnStack(ports, await mkdtemp(join(tmpdir(), 'ml-service-stack-')));
      stack.up.catch(() => undefined);
      expect(await exitWithin(stack, READY_DEADLINE_MS, 'its start')).toEqual({ code: 1, signal: null });
      for (const port of [ports.service, ports.receiver, ports.prometheus])
        expect(await bindable(port), `port ${port} free after exit`).toBe(true);
      expect(stack.stderr()).toMatch(/^stack: alertmanager exited with code \d+ before it was ready:\n[^]*\nstack: stopping\n$/);
      expect(stack.stdout()).not.toContain('Ctrl-C stops everything.');
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });
});
