import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** The models shipped with the package, whatever the working directory `npm start` runs from. */
export const PACKAGED_MODELS_DIR = fileURLToPath(new URL('../../models', import.meta.url));

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
/**
 * A boolean variable: `true` or `false` in any case (the OpenTelemetry specification's rule for its
 * boolean variables, applied to ours too); anything else names the variable.
 */
export const flag = z
  .string()
  .transform((v) => v.toLowerCase())
  .pipe(z.enum(['true', 'false'], { error: 'must be true or false' }))
  .transform((v) => v === 'true');
const identifier = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1-64 characters of A-Z a-z 0-9 . _ -');

/**
 * Every environment variable the service reads, with its default and meaning. The README's
 * configuration table is checked against this object by test/unit/config.test.ts.
 */
// One line per variable, read as a table: the formatter would fold the long descriptions.
// prettier-ignore
export const envSchema = z.object({
  PORT: int(0, 65535).default(8000).describe('TCP port to listen on'),
  HOST: z.string().min(1).default('0.0.0.0').describe('Interface to bind'),
  MODELS_DIR: z.string().min(1).default(PACKAGED_MODELS_DIR).describe('Directory holding `<name>/<version>/` model directories (default: `models/` of the installation)'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level'),
  BODY_LIMIT: int(1024, 104_857_600).default(1_048_576).describe('Largest accepted request body, in bytes'),
  MAX_BATCH_SIZE: int(1, 100_000).default(1000).describe('Most rows accepted by `POST /predict/batch`'),
  DEFAULT_MODEL_NAME: identifier.default('fraud-detection').describe('Model used when a request gives no `model_name`; must be loaded'),
  DEFAULT_MODEL_VERSION: identifier.default('v1.0').describe('Version used when a request gives neither `model_name` nor `model_version`; must be loaded'),
  METRICS_ENABLED: flag.default(true).describe('`false`: no `/metrics` and no metric recording (the benchmark baseline)'),
  LOG_PAYLOAD_SAMPLE_RATIO: z.coerce.number().min(0).max(1).default(0).describe('Share of predictions whose feature values are logged (they may be personal data; off by default)'),
  LOG_SUCCESS_SAMPLE_RATIO: z.coerce.number().min(0).max(1).default(1).describe('Share of successful predictions logged as `prediction_completed` (each such line then carries `log_sample_ratio`); slow predictions, those in a sampled trace, failures and refused requests are always logged (see Logs)'),
  LOG_SUCCESS_MAX_PER_SECOND: int(0, 1_000_000).default(100).describe('At most this many `prediction_completed` lines per second (0: no cap); lines held back are counted in a `prediction_completed_suppressed` line; slow predictions, those in a sampled trace, failures and refused requests are not capped (see Logs)'),
  LOG_SLOW_REQUEST_MS: z.coerce.number().min(0).default(100).describe('A prediction that takes at least this long (ms, validation to scores) is always logged, with `"slow": true`; the default is the latency objective\'s 0.1 s'),
  LOG_REDACT_FEATURES: z.string().default('').describe('Comma list of features logged as "[REDACTED]" in sampled payloads'),
  DRIFT_ENABLED: flag.default(true).describe('`false`: no drift window, no drift job, no `/drift`'),
  DRIFT_METHOD: z.enum(['tolerance', 'robust', 'evidently']).default('tolerance').describe("`tolerance`: per-feature minimum-effect tests (KS or total-variation distance above the schema's tolerance, outlier and missing shares), Holm across features; `robust`: KS/chi-square with BH gated by PSI >= 0.1; `evidently`: Evidently 0.7 default tests and thresholds (see Drift)"),
  DRIFT_DATASET_SHARE: z.coerce.number().min(0).max(1).default(0).describe("Dataset drift when at least this share of features drift; `0`: when any feature drifts after the method's multiple-testing control (`evidently` alone keeps its 0.5)"),
  DRIFT_WINDOW_SIZE: int(10, 1_000_000).default(1000).describe('Most recent rows per model compared against the reference'),
  DRIFT_INTERVAL_SECONDS: z.coerce.number().min(0.1).max(86_400).default(60).describe('Seconds between drift evaluations (in a worker thread); a run still going when the next is due is skipped and counted'),
  DRIFT_MIN_ROWS: int(1, 1_000_000).default(100).describe('Fewer window rows than this: features report `insufficient_data` and no drift is decided'),
  MODEL_SCORER: z.enum(['auto', 'onnxruntime']).default('auto').describe('`auto`: requests of up to 1,024 rows of a tree-ensemble model are scored by a JavaScript evaluator, used only if it reproduces onnxruntime bit for bit on the reference and edge rows at startup (see Benchmarks); `onnxruntime`: onnxruntime scores everything'),
  ORT_INTRA_OP_THREADS: int(1, 64).default(1).describe('onnxruntime threads per inference; more spin on other cores for small tabular models'),
  SHUTDOWN_TIMEOUT_MS: int(100, 600_000).default(15_000).describe('Whole shutdown budget: drain delay + closing the listener and finishing in-flight requests + span flush; must hold the first two stages plus 1000 ms'),
  DRAIN_DELAY_MS: int(0, 600_000).default(5000).describe('On SIGTERM, keep serving this long with `/ready` at 503 and `Connection: close` before closing the listener, so a load balancer stops routing here first (SIGINT skips it)'),
  SHUTDOWN_FLUSH_TIMEOUT_MS: int(0, 600_000).default(2000).describe('On shutdown, longest wait for the final span export; a collector that cannot be reached costs a warning, not the exit code'),
  REQUEST_TIMEOUT_MS: int(100, 3_600_000).default(10_000).describe('Longest time to receive a whole request (headers and body); a slower one gets 408 and its connection is closed'),
  HEADERS_TIMEOUT_MS: int(100, 3_600_000).default(5000).describe('Longest time to receive the request headers (at most `REQUEST_TIMEOUT_MS`)'),
  KEEP_ALIVE_TIMEOUT_MS: int(100, 3_600_000).default(72_000).describe('How long an idle kept-alive connection stays open; longer than the 60 s idle timeout of common load balancers, so they close first'),
  MAX_CONNECTIONS: int(1, 1_000_000).default(2048).describe('Most open client connections; beyond it new connections are closed at once'),
  LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: int(0, 60_000).default(500).describe('Event-loop delay above which `/predict*`, `/feedback*` and `/drift*` answer 503 with `Retry-After` (0: off)'),
  LOAD_SHED_MAX_HEAP_USED_RATIO: z.coerce.number().min(0).max(1).default(0.9).describe("Share of V8's heap limit in use above which `/predict*`, `/feedback*` and `/drift*` answer 503 with `Retry-After` (0: off)"),
  LOAD_SHED_RETRY_AFTER_SECONDS: int(1, 3600).default(2).describe('`Retry-After` of a shed request'),
  FEEDBACK_KEYS: z.string().default('').describe('Comma list of base64 secrets (at least 32 bytes each) that sign and verify `prediction_id`s: the first signs, all verify (rotation); every replica needs the same. Never logged'),
  FEEDBACK_KEY_FILE: z.string().default('').describe("File of such secrets, one per line ('#' comments), read at startup after `FEEDBACK_KEYS`; with neither, a random key per process (feedback then verifies only on the replica that predicted, until it restarts)"),
  FEEDBACK_HORIZON_DAYS: int(1, 3650).default(30).describe('Feedback for a prediction older than this is refused (`PREDICTION_ID_EXPIRED`)'),
  GRPC_ENABLED: flag.default(false).describe('`true`: also serve the Open Inference Protocol over gRPC (`inference.GRPCInferenceService`) on `GRPC_PORT`'),
  GRPC_PORT: int(0, 65535).default(8001).describe('TCP port of the gRPC listener (on `HOST`); must differ from `PORT`'),
});

export type Env = z.infer<typeof envSchema>;
