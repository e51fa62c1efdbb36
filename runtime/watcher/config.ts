import { z } from 'zod';
import { defineEnv, EnvError, httpUrl, integer, requiredText, type EnvSource } from '../service/env.js';

/**
 * The deploy watcher's configuration: read from the environment and validated once at start. A bad or
 * missing setting throws a WatcherConfigError whose one-line message names every offending variable;
 * server.ts logs that line and exits.
 */

export class WatcherConfigError extends EnvError {}

const HOST_PORT = /^(?:\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

const EnvSchema = z.object({
  // Not the gateway's 8080, so both run side by side on a laptop; Cloud Run always sets PORT itself.
  PORT: integer(0, 65_535, 8081),
  GOOGLE_CLOUD_PROJECT: requiredText('the project whose Cloud Run audit logs are read'),
  GATEWAY_URL: httpUrl('the OASIS gateway base URL'),
  SUPABASE_SERVICE_ROLE: requiredText('the service-role token the gateway accepts'),
  CLOUD_LOGGING_ENDPOINT: z
    .string()
    .trim()
    .regex(HOST_PORT, 'must be host:port (plaintext gRPC), e.g. 127.0.0.1:8085')
    .refine((value) => Number(HOST_PORT.exec(value)?.[1] ?? 0) <= 65_535, 'port must be at most 65535')
    .optional(),
  WATCHER_LOOKBACK_MINUTES: integer(1, 60 * 24 * 30, 60),
  WATCHER_OVERLAP_MINUTES: integer(0, 24 * 60, 10),
  WATCHER_MAX_PAGES: integer(1, 100, 5),
  WATCHER_PAGE_SIZE: integer(1, 1000, 1000),
  WATCHER_QUOTA_RETRIES: integer(0, 10, 2),
  WATCHER_QUOTA_BACKOFF_MS: integer(0, 120_000, 5_000),
  WATCHER_LOGGING_TIMEOUT_MS: integer(100, 300_000, 30_000),
  WATCHER_GATEWAY_TIMEOUT_MS: integer(100, 300_000, 10_000),
  SHUTDOWN_GRACE_MS: integer(0, 60_000, 8_000),
});

export interface WatcherConfig {
  port: number;
  projectId: string;
  gateway: { url: string; token: string; timeoutMs: number };
  logging: {
    /** host:port of a plaintext gRPC LoggingServiceV2 (tests, local runs); undefined = the real service. */
    endpoint?: string;
    timeoutMs: number;
    pageSize: number;
    maxPages: number;
    quotaRetries: number;
    quotaBackoffMs: number;
  };
  lookbackMinutes: number;
  overlapMinutes: number;
  shutdownGraceMs: number;
}

const readEnv = defineEnv(EnvSchema, { subject: 'invalid watcher configuration', error: WatcherConfigError });

/** Reads and validates the environment. Throws WatcherConfigError (one line) naming every bad setting. */
export function loadWatcherConfig(env: EnvSource = process.env): WatcherConfig {
  const e = readEnv(env);
  return {
    port: e.PORT,
    projectId: e.GOOGLE_CLOUD_PROJECT,
    gateway: { url: e.GATEWAY_URL, token: e.SUPABASE_SERVICE_ROLE, timeoutMs: e.WATCHER_GATEWAY_TIMEOUT_MS },
    logging: {
      ...(e.CLOUD_LOGGING_ENDPOINT ? { endpoint: e.CLOUD_LOGGING_ENDPOINT } : {}),
      timeoutMs: e.WATCHER_LOGGING_TIMEOUT_MS,
      pageSize: e.WATCHER_PAGE_SIZE,
      maxPages: e.WATCHER_MAX_PAGES,
      quotaRetries: e.WATCHER_QUOTA_RETRIES,
      quotaBackoffMs: e.WATCHER_QUOTA_BACKOFF_MS,
    },
    lookbackMinutes: e.WATCHER_LOOKBACK_MINUTES,
    overlapMinutes: e.WATCHER_OVERLAP_MINUTES,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
  };
}
