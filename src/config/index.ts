export { envSchema, PACKAGED_MODELS_DIR } from './config-schema.js';
export { loadConfig, MIN_CLOSE_STAGE_MS, type Config } from './load-config.js';
export { loadTracingConfig, tracingEnvSchema } from './tracing-config.js';
export type { InstrumentationName, SamplerName, SpanQueueOptions, TracingOptions } from './tracing-options.js';
export { FEEDBACK_MIN_KEY_BYTES, FeedbackKeys } from './feedback-keys.js';
