import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';

/**
 * A real OTLP/gRPC trace receiver: the TraceService/Export method of the OpenTelemetry collector
 * protocol, served by @grpc/grpc-js, decoding requests with the message definitions of
 * opentelemetry-proto (field numbers from opentelemetry/proto/{common,resource,trace,collector}).
 */
const OTLP_PROTO = `
syntax = "proto3";
package otlp;
message AnyValue {
  oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4;
                ArrayValue array_value = 5; KeyValueList kvlist_value = 6; bytes bytes_value = 7; }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message InstrumentationScope { string name = 1; string version = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }
message Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }
message Status { string message = 2; int32 code = 3; }
message Event { fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }
message Link { bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; repeated KeyValue attributes = 4; }
message Span {
  bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4; string name = 5; int32 kind = 6;
  fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8; repeated KeyValue attributes = 9;
  uint32 dropped_attributes_count = 10; repeated Event events = 11; uint32 dropped_events_count = 12; repeated Link links = 13; Status status = 15; fixed32 flags = 16;
}
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; string schema_url = 3; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; string schema_url = 3; }
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ExportTracePartialSuccess { int64 rejected_spans = 1; string error_message = 2; }
message ExportTraceServiceResponse { ExportTracePartialSuccess partial_success = 1; }
`;

export const SPAN_KIND = { INTERNAL: 1, SERVER: 2 } as const;
export const STATUS_CODE = { UNSET: 0, OK: 1, ERROR: 2 } as const;

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  events: { name: string; attributes: Record<string, unknown> }[];
  links: { traceId: string; spanId: string }[];
  status: { code: number; message: string };
  resource: Record<string, unknown>;
  scope: string;
}

export interface OtlpReceiver {
  readonly endpoint: string;
  readonly spans: ReceivedSpan[];
  /** Export calls received, including empty ones (the exporter warm-up). */
  readonly exportCalls: number;
  /** Resolves once `predicate` holds for the spans received so far (checked on each export). */
  waitFor(predicate: (spans: readonly ReceivedSpan[]) => boolean, what: string, deadlineMs?: number): Promise<void>;
  close(): Promise<void>;
}

const root = protobuf.parse(OTLP_PROTO, { keepCase: true }).root;
const Request = root.lookupType('otlp.ExportTraceServiceRequest');
const Response = root.lookupType('otlp.ExportTraceServiceResponse');

type Json = Record<string, unknown>;

function anyValue(v: Json | undefined): unknown {
  if (!v) return undefined;
  if ('string_value' in v) return v['string_value'];
  if ('bool_value' in v) return v['bool_value'];
  if ('int_value' in v) return Number(v['int_value']);
  if ('double_value' in v) return v['double_value'];
  if ('array_value' in v) return ((v['array_value'] as Json)['values'] as Json[] | undefined)?.map(anyValue) ?? [];
  return undefined;
}

function attributes(list: Json[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((kv) => [kv['key'] as string, anyValue(kv['value'] as Json)]));
}

const hex = (b: unknown) => (b ? Buffer.from(b as Uint8Array).toString('hex') : '');

/** `answerDelayMs`: hold every Export answer this long (a slow collector). */
export async function startOtlpReceiver(options: { answerDelayMs?: number } = {}): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  let exportCalls = 0;
  const waiters: { check: () => boolean }[] = [];
  const server = new grpc.Server();
  server.addService(
    {
      Export: {
        path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
        requestStream: false,
        responseStream: false,
        requestSerialize: (v: unknown) => Buffer.from(Request.encode(v as protobuf.Message).finish()),
        requestDeserialize: (bytes: Buffer) => Request.toObject(Request.decode(bytes), { bytes: Buffer, longs: String, defaults: false }),
        responseSerialize: (v: unknown) => Buffer.from(Response.encode(Response.fromObject(v as Json)).finish()),
        responseDeserialize: (bytes: Buffer) => Response.decode(bytes),
      },
    },
    {
      Export: (call: grpc.ServerUnaryCall<Json, Json>, callback: grpc.sendUnaryData<Json>) => {
        exportCalls++;
        for (const rs of (call.request['resource_spans'] as Json[] | undefined) ?? []) {
          const resource = attributes((rs['resource'] as Json | undefined)?.['attributes'] as Json[]);
          for (const ss of (rs['scope_spans'] as Json[] | undefined) ?? []) {
            const scope = ((ss['scope'] as Json | undefined)?.['name'] as string) ?? '';
            for (const s of (ss['spans'] as Json[] | undefined) ?? []) {
              const status = (s['status'] as Json | undefined) ?? {};
              spans.push({
                traceId: hex(s['trace_id']),
                spanId: hex(s['span_id']),
                parentSpanId: hex(s['parent_span_id']),
                name: s['name'] as string,
                kind: (s['kind'] as number) ?? 0,
                attributes: attributes(s['attributes'] as Json[]),
                events: ((s['events'] as Json[] | undefined) ?? []).map((e) => ({
                  name: e['name'] as string,
                  attributes: attributes(e['attributes'] as Json[]),
                })),
                links: ((s['links'] as Json[] | undefined) ?? []).map((l) => ({ traceId: hex(l['trace_id']), spanId: hex(l['span_id']) })),
                status: { code: (status['code'] as number) ?? 0, message: (status['message'] as string) ?? '' },
                resource,
                scope,
              });
            }
          }
        }
        const answer = () => callback(null, {});
        if (options.answerDelayMs) setTimeout(answer, options.answerDelayMs).unref();
        else answer();
        for (const waiter of [...waiters]) if (waiter.check()) waiters.splice(waiters.indexOf(waiter), 1);
      },
    },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans,
    get exportCalls() {
      return exportCalls;
    },
    waitFor: (predicate, what, deadlineMs = 20_000) =>
      new Promise<void>((resolve, reject) => {
        if (predicate(spans)) return resolve();
        const timer = setTimeout(
          () => reject(new Error(`OTLP receiver: no ${what} within ${deadlineMs} ms (${spans.length} spans received)`)),
          deadlineMs,
        );
        waiters.push({ check: () => (predicate(spans) ? (clearTimeout(timer), resolve(), true) : false) });
      }),
    close: async () => server.forceShutdown(),
  };
}
