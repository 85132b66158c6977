import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { OpenLoopMessage, OpenLoopRequest, OpenLoopResult } from './open-loop-child.js';

export type { OpenLoopResult };

export interface OpenLoopHooks {
  /** Called with the generator's process id once it is forked. */
  onStart?(pid: number): void;
  /** Called when the first measured request is sent (after the warm-up). */
  onMeasureStart?(): void;
  /** Called when the last measured request is sent. */
  onMeasureEnd?(): void;
}

/**
 * Fixed-rate load from a child process (it inherits this process's core, 1): autocannon's rate
 * option sends in bursts and measures from the actual send, which hides server stalls.
 */
export function runOpenLoop(options: OpenLoopRequest, hooks: OpenLoopHooks = {}): Promise<OpenLoopResult> {
  const child = fork(fileURLToPath(new URL('./open-loop-child.ts', import.meta.url)), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  hooks.onStart?.(child.pid!);
  return new Promise<OpenLoopResult>((resolve, reject) => {
    child.on('message', (m: OpenLoopMessage) => {
      if (m.type === 'measure-start') hooks.onMeasureStart?.();
      else if (m.type === 'measure-end') hooks.onMeasureEnd?.();
      else resolve(m.result);
    });
    child.once('exit', (code) => reject(new Error(`open-loop generator exited with ${code} before reporting`)));
    child.send(options);
  });
}
