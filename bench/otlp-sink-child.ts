/**
 * Child process of bench/otlp-sink.ts: the test suite's real OTLP/gRPC receiver, counting the
 * spans it decodes by `service.instance.id` (`<host>-<pid>` of each traced server) instead of
 * keeping them, so a 100 %-sampled saturation run does not grow this process without bound.
 * It also keeps the arrival time of recent exports, to line latency spikes up with them.
 */
import { startOtlpReceiver } from '../test/helpers/otlp-receiver.js';

export type SinkRequest = { readonly type: 'counts' };
export interface ExportArrival {
  readonly epochMs: number;
  readonly spans: number;
}
export type SinkMessage =
  | { readonly type: 'listening'; readonly endpoint: string }
  | {
      readonly type: 'counts';
      readonly byInstance: Record<string, number>;
      readonly exportCalls: number;
      readonly recentExports: readonly ExportArrival[];
    };

const RECENT_EXPORTS = 2000;
const receiver = await startOtlpReceiver();
const byInstance: Record<string, number> = {};
const recentExports: ExportArrival[] = [];
let counted = 0;

function drain(): void {
  for (const span of receiver.spans) {
    const instance = String(span.resource['service.instance.id'] ?? 'unknown');
    byInstance[instance] = (byInstance[instance] ?? 0) + 1;
  }
  receiver.spans.length = 0;
  counted = 0;
}

// The receiver checks its waiters after each Export call: a waiter that never resolves is an
// export hook.
receiver
  .waitFor(
    (spans) => {
      if (spans.length > counted) {
        recentExports.push({ epochMs: Date.now(), spans: spans.length - counted });
        if (recentExports.length > RECENT_EXPORTS) recentExports.shift();
        counted = spans.length;
      }
      return false;
    },
    'the end of the benchmark',
    2 ** 31 - 1,
  )
  .catch(() => {});

setInterval(drain, 250);
process.on('message', (message: SinkRequest) => {
  if (message.type !== 'counts') return;
  drain();
  process.send!({ type: 'counts', byInstance, exportCalls: receiver.exportCalls, recentExports } satisfies SinkMessage);
});
process.on('disconnect', () => void receiver.close().then(() => process.exit(0)));
process.send!({ type: 'listening', endpoint: receiver.endpoint } satisfies SinkMessage);
