import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { loadTracingConfig, tracingEnvSchema } from '../../../src/config/index.js';

describe('loadTracingConfig (OTEL_* variables)', () => {
  it('defaults: parent-based 10 % sampling to localhost:4317, fastify instrumentation only', () => {
    expect(loadTracingConfig({})).toMatchObject({
      disabled: false,
      serviceName: 'ml-service',
      endpoint: 'http://localhost:4317',
      sampler: 'parentbased_traceidratio',
      samplerRatio: 0.1,
      instrumentations: ['fastify'],
      queue: { maxQueueSize: 2048, maxExportBatchSize: 512 },
    });
  });

  it('reads the standard variables; the traces endpoint wins over the general one', () => {
    const config = loadTracingConfig({
      OTEL_SDK_DISABLED: 'TRUE',
      OTEL_SERVICE_NAME: 'fraud-api',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4317',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://tempo:4317',
      OTEL_TRACES_SAMPLER: 'always_on',
      OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http, fastify',
    });
    expect(config).toMatchObject({
      disabled: true,
      serviceName: 'fraud-api',
      endpoint: 'http://tempo:4317',
      sampler: 'always_on',
      instrumentations: ['http', 'fastify'],
    });
  });

  it('refuses bad values with one line naming the variable', () => {
    expect(() => loadTracingConfig({ OTEL_TRACES_SAMPLER_ARG: '2' })).toThrow(/^invalid environment: OTEL_TRACES_SAMPLER_ARG="2"/);
    expect(() => loadTracingConfig({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'fastify,pg' })).toThrow(/unknown pg/);
    expect(() => loadTracingConfig({ OTEL_TRACES_SAMPLER: 'sometimes' })).toThrow(/OTEL_TRACES_SAMPLER="sometimes"/);
  });

  it("every OTEL_* variable appears in the README's tracing table with its default", async () => {
    const readme = await readFile(new URL('../../../README.md', import.meta.url), 'utf8');
    const defaults = tracingEnvSchema.parse({});
    for (const key of Object.keys(tracingEnvSchema.shape) as (keyof typeof defaults)[]) {
      const row = readme.split('\n').find((line) => line.startsWith(`| \`${key}\``));
      expect(row, `README row for ${key}`).toBeDefined();
      const value = defaults[key];
      expect(row).toContain(value === undefined ? '| (unset) |' : `\`${String(value)}\``);
    }
  });
});
