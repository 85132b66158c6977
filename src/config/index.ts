export { envSchema, PACKAGED_MODELS_DIR } from './config-schema.js';
export { loadConfig, type Config } from './load-config.js';
export { loadTracingConfig, tracingEnvSchema } from './tracing-config.js';
