import { StartupError } from '../errors.js';
import { envSchema, type Env } from './config-schema.js';

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly modelsDir: string;
  readonly logLevel: Env['LOG_LEVEL'];
  readonly bodyLimit: number;
  readonly maxBatchSize: number;
  readonly defaultModel: { readonly name: string; readonly version: string };
  readonly onnx: { readonly intraOpThreads: number };
  readonly metricsEnabled: boolean;
  readonly logPayloads: { readonly sampleRatio: number; readonly redactFeatures: readonly string[] };
  readonly shutdown: { readonly timeoutMs: number; readonly drainDelayMs: number };
  readonly drift: {
    readonly enabled: boolean;
    readonly method: Env['DRIFT_METHOD'];
    readonly windowSize: number;
    readonly intervalMs: number;
    readonly minRows: number;
  };
}

/**
 * Parse the environment once, at startup. An empty variable counts as unset, as in most
 * container tooling. Throws a StartupError whose message names every bad variable on one line.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const input: Record<string, string> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value.trim() !== '') input[key] = value.trim();
  }
  const parsed = envSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? '?');
      return `${key}=${JSON.stringify(input[key] ?? '')}: ${issue.message}`;
    });
    throw new StartupError(`invalid environment: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    modelsDir: e.MODELS_DIR,
    logLevel: e.LOG_LEVEL,
    bodyLimit: e.BODY_LIMIT,
    maxBatchSize: e.MAX_BATCH_SIZE,
    defaultModel: { name: e.DEFAULT_MODEL_NAME, version: e.DEFAULT_MODEL_VERSION },
    onnx: { intraOpThreads: e.ORT_INTRA_OP_THREADS },
    metricsEnabled: e.METRICS_ENABLED,
    logPayloads: {
      sampleRatio: e.LOG_PAYLOAD_SAMPLE_RATIO,
      redactFeatures: e.LOG_REDACT_FEATURES.split(',').map((s) => s.trim()).filter(Boolean),
    },
    shutdown: { timeoutMs: e.SHUTDOWN_TIMEOUT_MS, drainDelayMs: e.DRAIN_DELAY_MS },
    drift: {
      enabled: e.DRIFT_ENABLED,
      method: e.DRIFT_METHOD,
      windowSize: e.DRIFT_WINDOW_SIZE,
      intervalMs: Math.round(e.DRIFT_INTERVAL_SECONDS * 1000),
      minRows: e.DRIFT_MIN_ROWS,
    },
  };
}
