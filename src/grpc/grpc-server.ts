import { randomUUID } from 'node:crypto';
import {
  Metadata,
  Server,
  setLogger,
  ServerCredentials,
  status as Status,
  type sendUnaryData,
  type ServerUnaryCall,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { context } from '@opentelemetry/api';
import type { ErrorCode } from '../errors.js';
import type { RpcTelemetry } from '../telemetry/rpc-telemetry.js';
import { failureOf } from './grpc-status.js';
import type { InferenceHandlers, RpcLog } from './inference-handlers.js';
import { INFERENCE_RPCS, loadInferenceService, qualified, type InferenceRpc } from './inference-proto.js';

/** The part of a pino logger the gRPC server writes to (app.log). */
export interface GrpcLog {
  child(
    bindings: Record<string, unknown>,
  ): RpcLog & { warn(fields: object, message: string): void; error(fields: object, message: string): void };
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface GrpcServerOptions {
  readonly handlers: InferenceHandlers;
  readonly telemetry: RpcTelemetry;
  readonly log: GrpcLog;
  /** Largest request message accepted (BODY_LIMIT, as for HTTP bodies); beyond it grpc-js answers RESOURCE_EXHAUSTED. */
  readonly maxMessageBytes: number;
  /** A call refused as the caller's mistake, by catalogue code (ml_requests_rejected_total, as over HTTP). */
  readonly onRejected: (code: ErrorCode) => void;
}

/** The gRPC listener beside the HTTP one: server.ts binds it after HTTP listens and closes both together. */
export interface GrpcListener {
  /** Bind `host:port` (0: an ephemeral port) and start serving; resolves with the bound port. */
  listen(host: string, port: number): Promise<number>;
  /** The bound port, once listening. */
  readonly port: number | undefined;
  /**
   * Graceful close (grpc-js tryShutdown): no new calls (clients get GOAWAY; a call that still
   * reaches the server is refused with UNAVAILABLE), calls in flight finish. Resolves once all
   * have. Idempotent: every caller gets the same promise.
   */
  shutdown(): Promise<void>;
  /** Cancel the calls still in flight and close every connection at once. */
  forceShutdown(): void;
}

/** What we accept as a caller's request id (as over HTTP, telemetry/http-telemetry.ts). */
const REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** The calls that are probes: no span (like /health and /ready over HTTP), metrics still. */
const UNTRACED: ReadonlySet<InferenceRpc> = new Set(['ServerLive', 'ServerReady', 'ModelReady']);

/**
 * The Open Inference Protocol's gRPC service (inference.GRPCInferenceService) on its own HTTP/2
 * listener. Every call: a server span joined to the caller's trace (telemetry/rpc-telemetry.ts),
 * the `x-request-id` metadata honoured or made and sent back, a child logger with both, the
 * handler, and its outcome as a gRPC status through the one error catalogue (grpc-status.ts),
 * observed in rpc_server_call_duration_seconds by method and status.
 */
export function createGrpcServer(options: GrpcServerOptions): GrpcListener {
  const { handlers, telemetry, log, onRejected } = options;
  // grpc-js writes its errors (a failed bind, a broken connection) with console.error by default:
  // into the JSON log instead, so stderr keeps at most the one line of a refused start. (Process-wide:
  // the OTLP exporter's client shares the library.)
  setLogger({
    error: (...args: unknown[]) => log.warn({ source: 'grpc-js' }, args.map(String).join(' ')),
    info: () => {},
    debug: () => {},
  });
  const server = new Server({
    'grpc.max_receive_message_length': options.maxMessageBytes,
    // A connection with no call for this long is closed (idle clients reconnect transparently).
    'grpc.max_connection_idle_ms': 5 * 60_000,
  });

  const unary = <Req, Res>(rpc: InferenceRpc, handler: (request: Req, log: RpcLog) => Res | Promise<Res>) => {
    // Once per RPC at startup, not per call.
    const method = qualified(rpc);
    const traced = !UNTRACED.has(rpc);
    return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
      const rpcCall = telemetry.begin(method, call.metadata, traced);
      const given = call.metadata.get('x-request-id')[0];
      const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
      const header = new Metadata();
      header.set('x-request-id', requestId);
      call.sendMetadata(header);
      context.with(rpcCall.context, () => {
        const callLog = log.child({ request_id: requestId, rpc_method: method });
        const answer = (error: unknown, value?: Res) => {
          // The caller gave up (its deadline passed, or it cancelled): nothing reaches it any more.
          if (call.cancelled) {
            rpcCall.end(Status.CANCELLED, { message: 'cancelled by the client' });
            return;
          }
          if (error === undefined) {
            rpcCall.end(Status.OK);
            callback(null, value);
            return;
          }
          const failure = failureOf(error);
          if (failure.rejected !== undefined) onRejected(failure.rejected);
          else if (failure.code === Status.INTERNAL) callLog.error({ err: error }, 'rpc failed');
          rpcCall.end(failure.code, { message: failure.details });
          callback({ code: failure.code, details: failure.details, metadata: failure.metadata });
        };
        try {
          const result = handler(call.request, callLog);
          if (result instanceof Promise) result.then((value) => answer(undefined, value), answer);
          else answer(undefined, result);
        } catch (error) {
          answer(error);
        }
      });
    };
  };

  const implementation: Record<InferenceRpc, UntypedServiceImplementation[string]> = {
    ServerLive: unary('ServerLive', handlers.serverLive),
    ServerReady: unary('ServerReady', handlers.serverReady),
    ModelReady: unary('ModelReady', handlers.modelReady),
    ServerMetadata: unary('ServerMetadata', handlers.serverMetadata),
    ModelMetadata: unary('ModelMetadata', handlers.modelMetadata),
    ModelInfer: unary('ModelInfer', handlers.modelInfer),
  };
  server.addService(loadInferenceService(), implementation);

  let port: number | undefined;
  let closing: Promise<void> | undefined;
  let closed: (() => void) | undefined;
  return {
    get port() {
      return port;
    },
    listen: (host, requested) =>
      new Promise<number>((resolve, reject) => {
        // IPv6 literals go in brackets in a gRPC target.
        const address = host.includes(':') && !host.startsWith('[') ? `[${host}]:${requested}` : `${host}:${requested}`;
        server.bindAsync(address, ServerCredentials.createInsecure(), (error, bound) => {
          if (error) return reject(error);
          port = bound;
          log.info({ port: bound, rpcs: INFERENCE_RPCS.length }, `gRPC server listening at ${address.replace(/:\d+$/, `:${bound}`)}`);
          resolve(bound);
        });
      }),
    shutdown: () =>
      (closing ??= new Promise<void>((resolve) => {
        closed = resolve;
        // Not listening (never bound, or a listen that failed): nothing to wait for.
        if (port === undefined) return resolve();
        server.tryShutdown(() => resolve());
      })),
    forceShutdown: () => {
      server.forceShutdown();
      closed?.();
    },
  };
}
