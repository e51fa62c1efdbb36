import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../runtime/gateway/config.js';

const SECRET = 'x'.repeat(32);

describe('loadConfig', () => {
  it('has working defaults for local mode', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      production: false,
      port: 8080,
      // Local mode prints a service-role token: it listens on loopback only.
      host: '127.0.0.1',
      database: { url: undefined, dataDir: '.data/pglite' },
      publicRead: false,
      migrateOnStart: true,
      ingestMaxBytes: 1024 * 1024,
      github: { maxBytes: 25 * 1024 * 1024 },
      shutdownGraceMs: 10_000,
    });
  });

  it('HTTP timeouts: explicit defaults, and headers may not outlast the whole request', () => {
    expect(loadConfig({}).http).toEqual({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 60_000,
      keepAliveTimeoutMs: 5_000,
      bodyBudgetBytes: 64 * 1024 * 1024,
      bodyTimeoutMs: 10_000,
    });
    expect(() => loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '30000', HTTP_REQUEST_TIMEOUT_MS: '20000' })).toThrow(ConfigError);
    expect(() => loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '30000', HTTP_REQUEST_TIMEOUT_MS: '20000' })).toThrow(/HTTP_HEADERS_TIMEOUT_MS/);
  });

  it('request bodies: the budget must hold the largest body cap, and a body may not outlast the whole request', () => {
    expect(loadConfig({ HTTP_BODY_BUDGET_BYTES: '30000000', HTTP_BODY_TIMEOUT_MS: '500' }).http).toMatchObject({ bodyBudgetBytes: 30_000_000, bodyTimeoutMs: 500 });
    expect(() => loadConfig({ HTTP_BODY_BUDGET_BYTES: String(16 * 1024 * 1024) })).toThrow(/HTTP_BODY_BUDGET_BYTES/);
    expect(() => loadConfig({ HTTP_BODY_BUDGET_BYTES: String(16 * 1024 * 1024), GITHUB_WEBHOOK_MAX_BYTES: String(8 * 1024 * 1024) })).not.toThrow();
    expect(() => loadConfig({ HTTP_BODY_TIMEOUT_MS: '30000', HTTP_REQUEST_TIMEOUT_MS: '20000' })).toThrow(/HTTP_BODY_TIMEOUT_MS/);
    // Unset, it is 10 s even under a shorter request timeout (which then ends the request first).
    expect(loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_REQUEST_TIMEOUT_MS: '2000' }).http.bodyTimeoutMs).toBe(10_000);
  });

  it('reads every documented variable', () => {
    const config = loadConfig({
      PORT: '9000',
      DATABASE_URL: 'postgres://u@h:5432/db',
      OASIS_PUBLIC_READ: 'true',
      MIGRATE_ON_START: 'false',
      SUPABASE_JWT_SECRET: SECRET,
      GITHUB_WEBHOOK_SECRET: 'gh',
      OASIS_DATA_DIR: '/tmp/x',
    });
    expect(config).toMatchObject({
      port: 9000,
      database: { url: 'postgres://u@h:5432/db', dataDir: '/tmp/x' },
      publicRead: true,
      migrateOnStart: false,
      secrets: { jwt: SECRET, githubWebhook: 'gh' },
    });
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT/],
    [{ PORT: '70000' }, /PORT/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL/],
    [{ OASIS_PUBLIC_READ: 'maybe' }, /OASIS_PUBLIC_READ must be true or false/],
    [{ SUPABASE_JWT_SECRET: 'short' }, /SUPABASE_JWT_SECRET must be at least 32 characters/],
  ])('names the bad setting %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('listens on every interface in production and wherever HOST says', () => {
    const production = { NODE_ENV: 'production', DATABASE_URL: 'postgres://u@h/db', SUPABASE_JWT_SECRET: SECRET, GITHUB_WEBHOOK_SECRET: 'gh' };
    expect(loadConfig(production).host).toBe('0.0.0.0');
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    expect(loadConfig({ ...production, HOST: '::' }).host).toBe('::');
  });

  it.each(['DATABASE_URL', 'GITHUB_WEBHOOK_SECRET'])('production refuses to start without %s', (name) => {
    const env: Record<string, string> = {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://u@h/db',
      SUPABASE_JWT_SECRET: SECRET,
      GITHUB_WEBHOOK_SECRET: 'gh',
    };
    delete env[name];
    expect(() => loadConfig(env)).toThrow(`invalid configuration: ${name} is required when NODE_ENV=production`);
  });

  describe('token verification: the legacy secret, the signing keys, or both', () => {
    const production = { NODE_ENV: 'production', DATABASE_URL: 'postgres://u@h/db', GITHUB_WEBHOOK_SECRET: 'gh' };

    it('production needs one of them', () => {
      expect(() => loadConfig(production)).toThrow(
        'invalid configuration: SUPABASE_JWT_SECRET or SUPABASE_JWKS_URL (or SUPABASE_URL) is required when NODE_ENV=production',
      );
      expect(loadConfig({ ...production, SUPABASE_JWT_SECRET: SECRET }).jwks.url).toBeUndefined();
      expect(loadConfig({ ...production, SUPABASE_URL: 'https://abcd.supabase.co' }).secrets.jwt).toBeUndefined();
    });

    it('the JWKS URL is derived from SUPABASE_URL unless SUPABASE_JWKS_URL names it', () => {
      expect(loadConfig({ SUPABASE_URL: 'https://abcd.supabase.co/' }).jwks).toEqual({
        url: 'https://abcd.supabase.co/auth/v1/.well-known/jwks.json',
        cacheMs: 600_000,
        cooldownMs: 30_000,
      });
      expect(loadConfig({ SUPABASE_URL: 'https://abcd.supabase.co', SUPABASE_JWKS_URL: 'https://keys.example.com/jwks.json' }).jwks.url).toBe(
        'https://keys.example.com/jwks.json',
      );
      expect(loadConfig({ SUPABASE_JWKS_URL: 'http://127.0.0.1:54321/auth/v1/.well-known/jwks.json' }).jwks.url).toBe(
        'http://127.0.0.1:54321/auth/v1/.well-known/jwks.json',
      );
      expect(loadConfig({ SUPABASE_JWKS_CACHE_MS: '0', SUPABASE_JWKS_COOLDOWN_MS: '1000' }).jwks).toEqual({ url: undefined, cacheMs: 0, cooldownMs: 1000 });
    });

    it.each([
      [{ SUPABASE_JWKS_URL: 'keys.json' }, /SUPABASE_JWKS_URL must be an absolute URL/],
      [{ SUPABASE_JWKS_URL: 'http://keys.example.com/jwks.json' }, /SUPABASE_JWKS_URL must be an https:\/\/ URL \(http:\/\/ only for a loopback host\)/],
      [{ SUPABASE_JWKS_URL: 'ftp://127.0.0.1/jwks.json' }, /SUPABASE_JWKS_URL must be an https:\/\/ URL/],
      [{ SUPABASE_URL: 'http://abcd.supabase.co' }, /SUPABASE_URL must be an https:\/\/ URL/],
      [{ SUPABASE_JWKS_COOLDOWN_MS: 'soon' }, /SUPABASE_JWKS_COOLDOWN_MS/],
    ])('names the bad setting %j', (env, message) => {
      expect(() => loadConfig(env)).toThrow(ConfigError);
      expect(() => loadConfig(env)).toThrow(message);
    });
  });
});
