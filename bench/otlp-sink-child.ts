/**
 * Child process of bench/otlp-sink.ts: the test suite's real OTLP/gRPC receiver, counting the
 * spans it decodes by `service.instance.id` (`<host>-<pid>` of each traced server) and by
 * `service.name` (with root spans, i.e. sampled traces, and span names) instead of keeping them,
 * so a 100 %-sampled saturation run does not grow this process without bound.
 * It also keeps the arrival time of recent exports, to line latency spikes up with them.
 */
import { startOtlpReceiver } from '../test/helpers/otlp-receiver.js';

export type SinkRequest = { readonly type: 'counts' };
/** Spans of one `service.name`: all, roots (no parent: one per sampled trace), and by span name. */
export interface ServiceSpans {
  spans: number;
  roots: number;
  byName: Record<string, number>;
}
export interface ExportArrival {
  readonly epochMs: number;
  readonly spans: number;
}
export type SinkMessage =
  | { readonly type: 'listening'; readonly endpoint: string }
  | {
      readonly type: 'counts';
      readonly byInstance: Record<string, number>;
      readonly byService: Record<string, ServiceSpans>;
      readonly exportCalls: number;
      readonly recentExports: readonly ExportArrival[];
    };

const RECENT_EXPORTS = 2000;
/** Distinct span names kept per service: the service has a handful; more means a label-like name. */
const NAMES_PER_SERVICE = 50;
const receiver = await startOtlpReceiver();
const byInstance: Record<string, number> = {};
const byService: Record<string, ServiceSpans> = {};
const recentExports: ExportArrival[] = [];
let counted = 0;

function drain(): void {
  for (const span of receiver.spans) {
    const instance = String(span.resource['service.instance.id'] ?? 'unknown');
    byInstance[instance] = (byInstance[instance] ?? 0) + 1;
    const service = (byService[String(span.resource['service.name'] ?? 'unknown')] ??= { spans: 0, roots: 0, byName: {} });
    service.spans++;
    if (span.parentSpanId === '') service.roots++;
    if (Object.hasOwn(service.byName, span.name) || Object.keys(service.byName).length < NAMES_PER_SERVICE) {
      service.byName[span.name] = (service.byName[span.name] ?? 0) + 1;
    }
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
  process.send!({ type: 'counts', byInstance, byService, exportCalls: receiver.exportCalls, recentExports } satisfies SinkMessage);
});
process.on('disconnect', () => void receiver.close().then(() => process.exit(0)));
process.send!({ type: 'listening', endpoint: receiver.endpoint } satisfies SinkMessage);
