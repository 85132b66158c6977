import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { envSchema, loadConfig, loadTracingConfig, PACKAGED_MODELS_DIR } from '../../src/config/index.js';
import { StartupError } from '../../src/errors.js';

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8000,
      host: '0.0.0.0',
      modelsDir: PACKAGED_MODELS_DIR,
      logLevel: 'info',
      bodyLimit: 1_048_576,
      maxBatchSize: 1000,
      defaultModel: { name: 'fraud-detection', version: 'v1.0' },
    });
  });

  it('treats empty variables as unset and reads set ones', () => {
    const config = loadConfig({ PORT: '', MAX_BATCH_SIZE: ' 25 ', LOG_LEVEL: 'debug' });
    expect(config.port).toBe(8000);
    expect(config.maxBatchSize).toBe(25);
    expect(config.logLevel).toBe('debug');
  });

  it('names every bad variable and its value on one line', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', MAX_BATCH_SIZE: '0', LOG_LEVEL: 'loud' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(StartupError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    expect(message).toContain('PORT="eighty"');
    expect(message).toContain('MAX_BATCH_SIZE="0"');
    expect(message).toContain('LOG_LEVEL="loud"');
  });

  it("every variable appears in the README's configuration table with its default", async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    const defaults = envSchema.parse({});
    for (const key of Object.keys(envSchema.shape) as (keyof typeof defaults)[]) {
      const row = readme.split('\n').find((line) => line.startsWith(`| \`${key}\``));
      expect(row, `README row for ${key}`).toBeDefined();
      if (key === 'MODELS_DIR') continue;
      const shown = String(defaults[key]);
      expect(row).toContain(shown === '' ? '| (empty) |' : `\`${shown}\``);
    }
  });

  it('every boolean variable, ours and OTEL_*, reads true/false in any case and refuses anything else the same way', () => {
    expect(loadConfig({ METRICS_ENABLED: 'TRUE', DRIFT_ENABLED: 'False' })).toMatchObject({
      metricsEnabled: true,
      drift: { enabled: false },
    });
    expect(loadTracingConfig({ OTEL_SDK_DISABLED: 'TRUE', TRACES_TRUST_REMOTE_PARENT: 'FALSE' })).toMatchObject({
      disabled: true,
      trustRemoteParent: false,
    });
    const refusal = (load: () => unknown) => {
      try {
        load();
      } catch (err) {
        return (err as Error).message;
      }
      return 'accepted';
    };
    expect(refusal(() => loadConfig({ METRICS_ENABLED: 'yes' }))).toBe('invalid environment: METRICS_ENABLED="yes": must be true or false');
    expect(refusal(() => loadTracingConfig({ OTEL_SDK_DISABLED: 'yes' }))).toBe(
      'invalid environment: OTEL_SDK_DISABLED="yes": must be true or false',
    );
  });

  it('shutdown stages: the close stage gets what drain and flush leave; impossible budgets and timeouts are refused', () => {
    expect(loadConfig({}).shutdown).toEqual({ timeoutMs: 15_000, drainDelayMs: 5000, flushTimeoutMs: 2000, closeTimeoutMs: 8000 });
    expect(() => loadConfig({ DRAIN_DELAY_MS: '13000' })).toThrow(
      'invalid environment: SHUTDOWN_TIMEOUT_MS=15000 must exceed DRAIN_DELAY_MS=13000 + SHUTDOWN_FLUSH_TIMEOUT_MS=2000 by at least 1000 ms',
    );
    expect(() => loadConfig({ HEADERS_TIMEOUT_MS: '20000' })).toThrow('HEADERS_TIMEOUT_MS=20000 must not exceed REQUEST_TIMEOUT_MS=10000');
  });

  it('gRPC: off by default on 8001; GRPC_PORT equal to a fixed PORT is refused, port 0 for both is not (two ephemeral ports)', () => {
    expect(loadConfig({}).grpc).toEqual({ enabled: false, port: 8001 });
    expect(loadConfig({ GRPC_ENABLED: 'true', GRPC_PORT: '9001' }).grpc).toEqual({ enabled: true, port: 9001 });
    expect(() => loadConfig({ GRPC_ENABLED: 'true', GRPC_PORT: '8000' })).toThrow(
      'invalid environment: GRPC_PORT=8000 must differ from PORT=8000 (two listeners cannot share a port)',
    );
    expect(loadConfig({ GRPC_PORT: '8000' }).grpc.enabled).toBe(false);
    expect(loadConfig({ GRPC_ENABLED: 'true', PORT: '0', GRPC_PORT: '0' }).grpc).toEqual({ enabled: true, port: 0 });
    expect(() => loadConfig({ GRPC_PORT: '65536' })).toThrow('GRPC_PORT="65536"');
  });
});
