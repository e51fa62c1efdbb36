import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../runtime/config.js';

const SECRET = 'x'.repeat(32);

describe('loadConfig', () => {
  it('has working defaults for local mode', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      production: false,
      port: 8080,
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

  it.each(['DATABASE_URL', 'SUPABASE_JWT_SECRET', 'GITHUB_WEBHOOK_SECRET'])('production refuses to start without %s', (name) => {
    const env: Record<string, string> = {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://u@h/db',
      SUPABASE_JWT_SECRET: SECRET,
      GITHUB_WEBHOOK_SECRET: 'gh',
    };
    delete env[name];
    expect(() => loadConfig(env)).toThrow(`invalid configuration: ${name} is required when NODE_ENV=production`);
  });
});
