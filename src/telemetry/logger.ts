import type { DestinationStream, LoggerOptions } from 'pino';

export interface LoggerSettings {
  readonly level: string;
  readonly service: { readonly name: string; readonly version: string };
}

/**
 * pino options shared by the app and the startup path: one JSON object per line, ISO-8601
 * time, the level as a word, service name and version on every line.
 */
export function loggerOptions(settings: LoggerSettings): LoggerOptions {
  return {
    level: settings.level,
    base: { service: settings.service.name, version: settings.service.version },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    formatters: { level: (label) => ({ level: label }) },
  };
}

export type { DestinationStream };
