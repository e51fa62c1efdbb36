import { z } from 'zod';
import { DEFAULT_PAGE_MAX_BYTES } from '../events/page.js';
import { defineEnv, EnvError, flag, integer, optionalInteger, postgresUrl, type EnvSource } from '../service/env.js';

/**
 * The gateway's configuration: read from the environment and validated once at start. Bad or
 * missing settings become one ConfigError whose one-line message names each of them; server.ts prints
 * that line and exits.
 */

export class ConfigError extends EnvError {}

/** 127.0.0.0/8, ::1 and localhost: the only hosts a signing-key URL may reach over plain http. */
function loopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/**
 * A URL the gateway trusts for signing keys: https, or http to a loopback host (the Supabase CLI's
 * local stack, tests). Keys fetched over plain http elsewhere could be swapped on the way.
 */
const trustedUrl = z
  .string()
  .trim()
  .transform((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: `must be an absolute URL, got "${value}"` });
      return z.NEVER;
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopbackHost(url.hostname))) {
      ctx.addIssue({ code: 'custom', message: `must be an https:// URL (http:// only for a loopback host), got "${value}"` });
      return z.NEVER;
    }
    return url.toString().replace(/\/+$/, '');
  })
  .optional();

const EnvSchema = z
  .object({
    NODE_ENV: z.string().default('development'),
    PORT: integer(0, 65_535, 8080),
    HOST: z.string().optional(),
    DATABASE_URL: postgresUrl('the OASIS PostgreSQL URL').optional(),
    DATABASE_LISTEN_URL: postgresUrl('the PostgreSQL URL the feed listens on').optional(),
    DATABASE_POOL_MAX: integer(1, 100, 10),
    DATABASE_ACQUIRE_TIMEOUT_MS: integer(100, 600_000, 15_000),
    OASIS_DATA_DIR: z.string().default('.data/pglite'),
    GITHUB_WEBHOOK_SECRET: z.string().optional(),
    GITHUB_WEBHOOK_SECRET_PREVIOUS: z.string().optional(),
    GITHUB_WEBHOOK_MAX_BYTES: integer(1, 100 * 1024 * 1024, 25 * 1024 * 1024),
    GITHUB_WEBHOOK_STORE_TIMEOUT_MS: integer(100, 60_000, 8_000),
    SUPABASE_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    SUPABASE_URL: trustedUrl,
    SUPABASE_JWKS_URL: trustedUrl,
    SUPABASE_JWKS_CACHE_MS: integer(0, 86_400_000, 600_000),
    SUPABASE_JWKS_COOLDOWN_MS: integer(0, 3_600_000, 30_000),
    OASIS_PUBLIC_READ: flag(false),
    MIGRATE_ON_START: flag(true),
    INGEST_MAX_BYTES: integer(1, 100 * 1024 * 1024, 1024 * 1024),
    EVENTS_PAGE_MAX_BYTES: integer(64 * 1024, 256 * 1024 * 1024, DEFAULT_PAGE_MAX_BYTES),
    SHUTDOWN_GRACE_MS: integer(0, 60_000, 10_000),
    HTTP_HEADERS_TIMEOUT_MS: integer(1_000, 120_000, 10_000),
    HTTP_REQUEST_TIMEOUT_MS: integer(1_000, 600_000, 60_000),
    HTTP_KEEPALIVE_TIMEOUT_MS: integer(1_000, 900_000, 5_000),
    HTTP_BODY_BUDGET_BYTES: integer(64 * 1024, 4 * 1024 * 1024 * 1024, 64 * 1024 * 1024),
    // Optional so that only an explicit value above HTTP_REQUEST_TIMEOUT_MS is refused; unset, 10 s.
    HTTP_BODY_TIMEOUT_MS: optionalInteger(100, 600_000),
    FEED_MAX_CLIENTS: integer(1, 100_000, 1_000),
    FEED_KEEPALIVE_MS: integer(100, 600_000, 15_000),
    FEED_CLIENT_BUFFER: integer(1, 100_000, 1_000),
    AGENT_OFFLINE_CHECK_MS: integer(100, 3_600_000, 15_000),
  })
  // Settings that bound each other: checked once every number read as one.
  .superRefine((e, ctx) => {
    const problem = (name: string, message: string) => ctx.addIssue({ code: 'custom', path: [name], message });
    if (e.HTTP_HEADERS_TIMEOUT_MS > e.HTTP_REQUEST_TIMEOUT_MS) {
      problem('HTTP_HEADERS_TIMEOUT_MS', 'must not exceed HTTP_REQUEST_TIMEOUT_MS (the headers are part of the request)');
    }
    if (e.HTTP_BODY_TIMEOUT_MS !== undefined && e.HTTP_BODY_TIMEOUT_MS > e.HTTP_REQUEST_TIMEOUT_MS) {
      problem('HTTP_BODY_TIMEOUT_MS', 'must not exceed HTTP_REQUEST_TIMEOUT_MS (the body is part of the request)');
    }
    const largestBody = Math.max(e.GITHUB_WEBHOOK_MAX_BYTES, e.INGEST_MAX_BYTES);
    if (e.HTTP_BODY_BUDGET_BYTES < largestBody) {
      problem('HTTP_BODY_BUDGET_BYTES', `must be at least the largest body cap (${largestBody} bytes), or such a body could never be read`);
    }
  })
  .superRefine(
    (e, ctx) => {
      // In production nothing is generated: a missing secret is an operator error, named here.
      if (e.NODE_ENV !== 'production') return;
      for (const name of ['DATABASE_URL', 'GITHUB_WEBHOOK_SECRET'] as const) {
        if (!e[name]) ctx.addIssue({ code: 'custom', path: [name], message: 'is required when NODE_ENV=production' });
      }
      if (!e.SUPABASE_JWT_SECRET && !e.SUPABASE_JWKS_URL && !e.SUPABASE_URL) {
        ctx.addIssue({ code: 'custom', message: 'SUPABASE_JWT_SECRET or SUPABASE_JWKS_URL (or SUPABASE_URL) is required when NODE_ENV=production' });
      }
    },
    // Only presence is looked at, so also when another setting is bad: the one line names every problem.
    { when: () => true },
  );

const readEnv = defineEnv(EnvSchema, { subject: 'invalid configuration', error: ConfigError });

export interface GatewayConfig {
  production: boolean;
  port: number;
  host: string;
  database: { url?: string; listenUrl?: string; poolMax: number; acquireTimeoutMs: number; dataDir: string };
  secrets: { jwt?: string; githubWebhook?: string; githubWebhookPrevious?: string };
  /**
   * Supabase's signing keys (ES256/RS256 tokens): the JWKS URL, unset when neither SUPABASE_JWKS_URL
   * nor SUPABASE_URL is; how old the cached keys may get before a background re-read; and the least
   * time between two reads that a token with an unknown `kid` (or a failed read) may cause.
   */
  jwks: { url?: string; cacheMs: number; cooldownMs: number };
  github: { maxBytes: number; storeTimeoutMs: number };
  publicRead: boolean;
  migrateOnStart: boolean;
  ingestMaxBytes: number;
  /** The query API's largest page in bytes; a larger one is cut, with a cursor to the rest. */
  eventsPageMaxBytes: number;
  shutdownGraceMs: number;
  /**
   * How long a client may take to send its headers, its whole request, and how long an idle keep-alive
   * connection stays open; the request-body bytes held at once over all requests, and how long one
   * body may take to arrive.
   */
  http: { headersTimeoutMs: number; requestTimeoutMs: number; keepAliveTimeoutMs: number; bodyBudgetBytes: number; bodyTimeoutMs: number };
  feed: { maxClients: number; keepaliveMs: number; clientBuffer: number };
  agents: { offlineCheckMs: number };
}

/**
 * A config whose secrets are present: what the app runs with once local defaults are filled in. The
 * legacy JWT secret may be absent in production when the signing keys (jwks.url) verify the tokens.
 */
export type ResolvedConfig = GatewayConfig & { secrets: { jwt?: string; githubWebhook: string; githubWebhookPrevious?: string } };

/** Where a Supabase project publishes its signing keys (JWKS), under its project URL. */
export function jwksUrlOf(supabaseUrl: string): string {
  return `${supabaseUrl.replace(/\/+$/, '')}/auth/v1/.well-known/jwks.json`;
}

/** Reads and validates the environment. Throws ConfigError (one line) naming every bad setting. */
export function loadConfig(env: EnvSource = process.env): GatewayConfig {
  const e = readEnv(env);
  const production = e.NODE_ENV === 'production';
  const jwksUrl = e.SUPABASE_JWKS_URL ?? (e.SUPABASE_URL ? jwksUrlOf(e.SUPABASE_URL) : undefined);
  return {
    production,
    port: e.PORT,
    // Local mode prints a service-role token: it listens on this machine only unless told otherwise.
    // Production (Cloud Run, the image) must take connections on every interface.
    host: e.HOST ?? (production ? '0.0.0.0' : '127.0.0.1'),
    database: { url: e.DATABASE_URL, listenUrl: e.DATABASE_LISTEN_URL, poolMax: e.DATABASE_POOL_MAX, acquireTimeoutMs: e.DATABASE_ACQUIRE_TIMEOUT_MS, dataDir: e.OASIS_DATA_DIR },
    secrets: { jwt: e.SUPABASE_JWT_SECRET, githubWebhook: e.GITHUB_WEBHOOK_SECRET, githubWebhookPrevious: e.GITHUB_WEBHOOK_SECRET_PREVIOUS },
    jwks: { url: jwksUrl, cacheMs: e.SUPABASE_JWKS_CACHE_MS, cooldownMs: e.SUPABASE_JWKS_COOLDOWN_MS },
    github: { maxBytes: e.GITHUB_WEBHOOK_MAX_BYTES, storeTimeoutMs: e.GITHUB_WEBHOOK_STORE_TIMEOUT_MS },
    publicRead: e.OASIS_PUBLIC_READ,
    migrateOnStart: e.MIGRATE_ON_START,
    ingestMaxBytes: e.INGEST_MAX_BYTES,
    eventsPageMaxBytes: e.EVENTS_PAGE_MAX_BYTES,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    http: {
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: e.HTTP_KEEPALIVE_TIMEOUT_MS,
      bodyBudgetBytes: e.HTTP_BODY_BUDGET_BYTES,
      bodyTimeoutMs: e.HTTP_BODY_TIMEOUT_MS ?? 10_000,
    },
    feed: { maxClients: e.FEED_MAX_CLIENTS, keepaliveMs: e.FEED_KEEPALIVE_MS, clientBuffer: e.FEED_CLIENT_BUFFER },
    agents: { offlineCheckMs: e.AGENT_OFFLINE_CHECK_MS },
  };
}
