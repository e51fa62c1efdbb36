import { z } from 'zod';
import { DEFAULT_PAGE_MAX_BYTES } from '../events/page.js';

/**
 * The gateway's configuration: read from the environment and validated once at start. A bad or
 * missing setting becomes a ConfigError whose message names it; server.ts prints that one line and
 * exits.
 */

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const bool = (name: string, fallback: boolean) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === '') return fallback;
      const normalized = value.trim().toLowerCase();
      if (['true', '1', 'yes'].includes(normalized)) return true;
      if (['false', '0', 'no'].includes(normalized)) return false;
      ctx.addIssue({ code: 'custom', message: `${name} must be true or false, got "${value}"` });
      return z.NEVER;
    });

const int = (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback);

const postgresUrl = z
  .string()
  .refine((value) => /^postgres(ql)?:\/\//.test(value), 'must be a postgres:// or postgresql:// URL')
  .optional();

/** 127.0.0.0/8, ::1 and localhost: the only hosts a signing-key URL may reach over plain http. */
function loopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/**
 * A URL the gateway trusts for signing keys: https, or http to a loopback host (the Supabase CLI's
 * local stack, tests). Keys fetched over plain http elsewhere could be swapped on the way.
 */
const trustedUrl = (name: string) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === '') return undefined;
      let url: URL;
      try {
        url = new URL(value.trim());
      } catch {
        ctx.addIssue({ code: 'custom', message: `${name} must be an absolute URL, got "${value}"` });
        return z.NEVER;
      }
      if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopbackHost(url.hostname))) {
        ctx.addIssue({ code: 'custom', message: `${name} must be an https:// URL (http:// only for a loopback host), got "${value}"` });
        return z.NEVER;
      }
      return url.toString().replace(/\/+$/, '');
    });

const optionalSecret = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value));

const EnvSchema = z.object({
  NODE_ENV: z.string().default('development'),
  PORT: int(0, 65_535, 8080),
  HOST: z.string().min(1).optional(),
  DATABASE_URL: postgresUrl,
  DATABASE_LISTEN_URL: postgresUrl,
  DATABASE_POOL_MAX: int(1, 100, 10),
  DATABASE_ACQUIRE_TIMEOUT_MS: int(100, 600_000, 15_000),
  OASIS_DATA_DIR: z.string().min(1).default('.data/pglite'),
  GITHUB_WEBHOOK_SECRET: optionalSecret,
  GITHUB_WEBHOOK_SECRET_PREVIOUS: optionalSecret,
  GITHUB_WEBHOOK_MAX_BYTES: int(1, 100 * 1024 * 1024, 25 * 1024 * 1024),
  GITHUB_WEBHOOK_STORE_TIMEOUT_MS: int(100, 60_000, 8_000),
  SUPABASE_JWT_SECRET: optionalSecret,
  SUPABASE_URL: trustedUrl('SUPABASE_URL'),
  SUPABASE_JWKS_URL: trustedUrl('SUPABASE_JWKS_URL'),
  SUPABASE_JWKS_CACHE_MS: int(0, 86_400_000, 600_000),
  SUPABASE_JWKS_COOLDOWN_MS: int(0, 3_600_000, 30_000),
  OASIS_PUBLIC_READ: bool('OASIS_PUBLIC_READ', false),
  MIGRATE_ON_START: bool('MIGRATE_ON_START', true),
  INGEST_MAX_BYTES: int(1, 100 * 1024 * 1024, 1024 * 1024),
  EVENTS_PAGE_MAX_BYTES: int(64 * 1024, 256 * 1024 * 1024, DEFAULT_PAGE_MAX_BYTES),
  SHUTDOWN_GRACE_MS: int(0, 60_000, 10_000),
  HTTP_HEADERS_TIMEOUT_MS: int(1_000, 120_000, 10_000),
  HTTP_REQUEST_TIMEOUT_MS: int(1_000, 600_000, 60_000),
  HTTP_KEEPALIVE_TIMEOUT_MS: int(1_000, 900_000, 5_000),
  HTTP_BODY_BUDGET_BYTES: int(64 * 1024, 4 * 1024 * 1024 * 1024, 64 * 1024 * 1024),
  // Optional so that only an explicit value above HTTP_REQUEST_TIMEOUT_MS is refused; unset, 10 s.
  HTTP_BODY_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).optional(),
  FEED_MAX_CLIENTS: int(1, 100_000, 1_000),
  FEED_KEEPALIVE_MS: int(100, 600_000, 15_000),
  FEED_CLIENT_BUFFER: int(1, 100_000, 1_000),
  AGENT_OFFLINE_CHECK_MS: int(100, 3_600_000, 15_000),
});

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

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0]!;
  const name = issue.path.join('.');
  return issue.message.startsWith(name) ? issue.message : `${name}: ${issue.message}`;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(`invalid configuration: ${firstIssue(parsed.error)}`);
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  const jwksUrl = e.SUPABASE_JWKS_URL ?? (e.SUPABASE_URL ? jwksUrlOf(e.SUPABASE_URL) : undefined);
  if (production) {
    // In production nothing is generated: a missing secret is an operator error, named here.
    for (const name of ['DATABASE_URL', 'GITHUB_WEBHOOK_SECRET'] as const) {
      if (!e[name]) throw new ConfigError(`invalid configuration: ${name} is required when NODE_ENV=production`);
    }
    if (!e.SUPABASE_JWT_SECRET && !jwksUrl) {
      throw new ConfigError(
        'invalid configuration: SUPABASE_JWT_SECRET or SUPABASE_JWKS_URL (or SUPABASE_URL) is required when NODE_ENV=production',
      );
    }
  }
  if (e.HTTP_HEADERS_TIMEOUT_MS > e.HTTP_REQUEST_TIMEOUT_MS) {
    throw new ConfigError('invalid configuration: HTTP_HEADERS_TIMEOUT_MS must not exceed HTTP_REQUEST_TIMEOUT_MS (the headers are part of the request)');
  }
  if (e.HTTP_BODY_TIMEOUT_MS !== undefined && e.HTTP_BODY_TIMEOUT_MS > e.HTTP_REQUEST_TIMEOUT_MS) {
    throw new ConfigError('invalid configuration: HTTP_BODY_TIMEOUT_MS must not exceed HTTP_REQUEST_TIMEOUT_MS (the body is part of the request)');
  }
  const largestBody = Math.max(e.GITHUB_WEBHOOK_MAX_BYTES, e.INGEST_MAX_BYTES);
  if (e.HTTP_BODY_BUDGET_BYTES < largestBody) {
    throw new ConfigError(`invalid configuration: HTTP_BODY_BUDGET_BYTES must be at least the largest body cap (${largestBody} bytes), or such a body could never be read`);
  }
  if (e.SUPABASE_JWT_SECRET !== undefined && e.SUPABASE_JWT_SECRET.length < 32) {
    throw new ConfigError('invalid configuration: SUPABASE_JWT_SECRET must be at least 32 characters');
  }
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
