import { StartupError } from '../errors.js';
import { envSchema, type Env } from './config-schema.js';
import { loadFeedbackKeys, type FeedbackKeys } from './feedback-keys.js';
import { parseEnv } from './parse-env.js';

/** The listener-close stage must keep at least this much of SHUTDOWN_TIMEOUT_MS. */
export const MIN_CLOSE_STAGE_MS = 1000;

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly modelsDir: string;
  readonly logLevel: Env['LOG_LEVEL'];
  readonly bodyLimit: number;
  readonly maxBatchSize: number;
  readonly defaultModel: { readonly name: string; readonly version: string };
  readonly onnx: { readonly intraOpThreads: number; readonly scorer: Env['MODEL_SCORER'] };
  readonly metricsEnabled: boolean;
  readonly logPayloads: { readonly sampleRatio: number; readonly redactFeatures: readonly string[] };
  readonly successLog: { readonly sampleRatio: number; readonly maxPerSecond: number; readonly slowMs: number };
  readonly shutdown: {
    readonly timeoutMs: number;
    readonly drainDelayMs: number;
    /** The listener-close stage's share: what drain and flush leave of the budget. */
    readonly closeTimeoutMs: number;
    readonly flushTimeoutMs: number;
  };
  readonly http: {
    readonly requestTimeoutMs: number;
    readonly headersTimeoutMs: number;
    readonly keepAliveTimeoutMs: number;
    readonly maxConnections: number;
  };
  readonly loadShedding: {
    /** 0: off. */
    readonly maxEventLoopDelayMs: number;
    /** 0: off. */
    readonly maxHeapUsedRatio: number;
    readonly retryAfterSeconds: number;
  };
  readonly drift: {
    readonly enabled: boolean;
    readonly method: Env['DRIFT_METHOD'];
    readonly windowSize: number;
    readonly intervalMs: number;
    readonly minRows: number;
    /** DRIFT_DATASET_SHARE; undefined (0 in the environment): the method's default rule. */
    readonly datasetShare: number | undefined;
  };
  readonly feedback: {
    /** Empty when neither FEEDBACK_KEYS nor FEEDBACK_KEY_FILE is set. */
    readonly keys: FeedbackKeys;
    readonly horizonSeconds: number;
  };
  readonly grpc: {
    readonly enabled: boolean;
    readonly port: number;
  };
}

/**
 * Parse the environment once, at startup. An empty variable counts as unset, as in most
 * container tooling. Throws a StartupError whose message names every bad variable on one line.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const e = parseEnv(envSchema, env);
  // Combinations no single variable's range can rule out.
  const closeTimeoutMs = e.SHUTDOWN_TIMEOUT_MS - e.DRAIN_DELAY_MS - e.SHUTDOWN_FLUSH_TIMEOUT_MS;
  if (closeTimeoutMs < MIN_CLOSE_STAGE_MS) {
    throw new StartupError(
      `invalid environment: SHUTDOWN_TIMEOUT_MS=${e.SHUTDOWN_TIMEOUT_MS} must exceed DRAIN_DELAY_MS=${e.DRAIN_DELAY_MS} + ` +
        `SHUTDOWN_FLUSH_TIMEOUT_MS=${e.SHUTDOWN_FLUSH_TIMEOUT_MS} by at least ${MIN_CLOSE_STAGE_MS} ms (the time in-flight requests get to finish)`,
    );
  }
  if (e.HEADERS_TIMEOUT_MS > e.REQUEST_TIMEOUT_MS) {
    throw new StartupError(
      `invalid environment: HEADERS_TIMEOUT_MS=${e.HEADERS_TIMEOUT_MS} must not exceed REQUEST_TIMEOUT_MS=${e.REQUEST_TIMEOUT_MS}`,
    );
  }
  if (e.GRPC_ENABLED && e.GRPC_PORT === e.PORT && e.PORT !== 0) {
    throw new StartupError(
      `invalid environment: GRPC_PORT=${e.GRPC_PORT} must differ from PORT=${e.PORT} (two listeners cannot share a port)`,
    );
  }
  return {
    port: e.PORT,
    host: e.HOST,
    modelsDir: e.MODELS_DIR,
    logLevel: e.LOG_LEVEL,
    bodyLimit: e.BODY_LIMIT,
    maxBatchSize: e.MAX_BATCH_SIZE,
    defaultModel: { name: e.DEFAULT_MODEL_NAME, version: e.DEFAULT_MODEL_VERSION },
    onnx: { intraOpThreads: e.ORT_INTRA_OP_THREADS, scorer: e.MODEL_SCORER },
    metricsEnabled: e.METRICS_ENABLED,
    successLog: { sampleRatio: e.LOG_SUCCESS_SAMPLE_RATIO, maxPerSecond: e.LOG_SUCCESS_MAX_PER_SECOND, slowMs: e.LOG_SLOW_REQUEST_MS },
    logPayloads: {
      sampleRatio: e.LOG_PAYLOAD_SAMPLE_RATIO,
      redactFeatures: e.LOG_REDACT_FEATURES.split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    },
    shutdown: {
      timeoutMs: e.SHUTDOWN_TIMEOUT_MS,
      drainDelayMs: e.DRAIN_DELAY_MS,
      closeTimeoutMs,
      flushTimeoutMs: e.SHUTDOWN_FLUSH_TIMEOUT_MS,
    },
    http: {
      requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
      headersTimeoutMs: e.HEADERS_TIMEOUT_MS,
      keepAliveTimeoutMs: e.KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: e.MAX_CONNECTIONS,
    },
    loadShedding: {
      maxEventLoopDelayMs: e.LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS,
      maxHeapUsedRatio: e.LOAD_SHED_MAX_HEAP_USED_RATIO,
      retryAfterSeconds: e.LOAD_SHED_RETRY_AFTER_SECONDS,
    },
    drift: {
      enabled: e.DRIFT_ENABLED,
      method: e.DRIFT_METHOD,
      windowSize: e.DRIFT_WINDOW_SIZE,
      intervalMs: Math.round(e.DRIFT_INTERVAL_SECONDS * 1000),
      minRows: e.DRIFT_MIN_ROWS,
      datasetShare: e.DRIFT_DATASET_SHARE > 0 ? e.DRIFT_DATASET_SHARE : undefined,
    },
    feedback: {
      keys: loadFeedbackKeys(e.FEEDBACK_KEYS, e.FEEDBACK_KEY_FILE),
      horizonSeconds: e.FEEDBACK_HORIZON_DAYS * 86_400,
    },
    grpc: { enabled: e.GRPC_ENABLED, port: e.GRPC_PORT },
  };
}
