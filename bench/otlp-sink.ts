import { fork, type ChildProcess } from 'node:child_process';
import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { ExportArrival, ServiceSpans, SinkMessage } from './otlp-sink-child.js';

/**
 * A live OTLP/gRPC collector for the telemetry benchmark, in its own process. Not in the bench
 * process: decoding a 512-span batch blocks a JS thread for milliseconds, which would delay
 * autocannon's responses and inflate the latencies it reports. Not on core 0: it would take CPU
 * from the server under test. It inherits the bench process's affinity (core 1), where it shares
 * the core with the load generator, as a collector on another host would share nothing with the
 * server; at the lowest priority (nice 19), because decoding a 512-span batch takes it 20-30 ms,
 * during which an open-loop generator of equal priority would send late and charge the server.
 */
export interface OtlpSink {
  readonly endpoint: string;
  readonly pid: number;
  /** Spans received so far from the server process `pid` (by its service.instance.id). */
  received(instanceId: string): Promise<number>;
  /** Spans received so far with this `service.name` (any process). */
  receivedByService(serviceName: string): Promise<ServiceSpans>;
  /** Arrival times of the most recent non-empty exports (any server). */
  recentExports(): Promise<readonly ExportArrival[]>;
  close(): Promise<void>;
}

export async function startOtlpSink(): Promise<OtlpSink> {
  const child: ChildProcess = fork(fileURLToPath(new URL('./otlp-sink-child.ts', import.meta.url)), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  setPriority(child.pid!, 19);
  const endpoint = await new Promise<string>((resolve, reject) => {
    child.once('message', (m: SinkMessage) =>
      m.type === 'listening' ? resolve(m.endpoint) : reject(new Error('OTLP sink: unexpected message')),
    );
    child.once('exit', (code) => reject(new Error(`OTLP sink exited with ${code} before listening`)));
  });
  const counts = () =>
    new Promise<Extract<SinkMessage, { type: 'counts' }>>((resolve) => {
      const onMessage = (m: SinkMessage) => {
        if (m.type !== 'counts') return;
        child.off('message', onMessage);
        resolve(m);
      };
      child.on('message', onMessage);
      child.send({ type: 'counts' });
    });
  return {
    endpoint,
    pid: child.pid!,
    received: async (instanceId) => (await counts()).byInstance[instanceId] ?? 0,
    receivedByService: async (serviceName) => (await counts()).byService[serviceName] ?? { spans: 0, roots: 0, byName: {} },
    recentExports: async () => (await counts()).recentExports,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.disconnect();
        setTimeout(() => child.kill('SIGKILL'), 2000).unref();
      }),
  };
}
