import type { ErrorCode } from '../errors.js';
import type { ModelRegistry } from '../model/index.js';
import type { PredictionPipeline } from '../prediction/pipeline.js';
import type { Readiness } from '../readiness.js';
import type { Metrics } from '../telemetry/metrics.js';
import { createRpcTelemetry } from '../telemetry/rpc-telemetry.js';
import { createGrpcServer, type GrpcListener, type GrpcLog } from './grpc-server.js';
import { createInferenceHandlers } from './inference-handlers.js';
import { INFERENCE_RPCS, qualified } from './inference-proto.js';

export type { GrpcListener } from './grpc-server.js';
export { INFERENCE_PROTO_PATH, INFERENCE_SERVICE, PROTO_LOADER_OPTIONS } from './inference-proto.js';

/** The `rpc_method` values: every RPC of the service, fully qualified (a closed set, bound at startup). */
export const RPC_METHODS: readonly string[] = INFERENCE_RPCS.map(qualified);

export interface InferenceGrpcOptions {
  readonly registry: ModelRegistry;
  readonly readiness: Readiness;
  readonly pipeline: PredictionPipeline;
  readonly metrics: Metrics | undefined;
  readonly log: GrpcLog;
  readonly server: { readonly name: string; readonly version: string; readonly extensions: readonly string[] };
  readonly maxBatchSize: number;
  /** Largest request message (BODY_LIMIT). */
  readonly maxMessageBytes: number;
  readonly onRejected: (code: ErrorCode) => void;
}

/** The Open Inference Protocol over gRPC, built (not listening): server.ts binds it on GRPC_PORT. */
export function createInferenceGrpc(options: InferenceGrpcOptions): GrpcListener {
  const { registry, readiness, pipeline, metrics, log, server, maxBatchSize, maxMessageBytes, onRejected } = options;
  return createGrpcServer({
    handlers: createInferenceHandlers({ registry, readiness, pipeline, server, maxBatchSize }),
    telemetry: createRpcTelemetry(metrics, RPC_METHODS),
    log,
    maxMessageBytes,
    onRejected,
  });
}
