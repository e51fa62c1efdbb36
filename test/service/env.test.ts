import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../runtime/gateway/config.js';
import { loadReconcilerConfig, ReconcilerConfigError } from '../../runtime/reconciler/config.js';
import { loadWatcherConfig, WatcherConfigError } from '../../runtime/watcher/config.js';

/**
 * The one way every service reads its environment (runtime/service/env.ts defineEnv), through each
 * service's own loader: blank is unset, all problems in one line, the words a boolean may be.
 */

const WATCHER_REQUIRED = { GOOGLE_CLOUD_PROJECT: 'vitana-dev', GATEWAY_URL: 'https://gateway.example', SUPABASE_SERVICE_ROLE: 'token' };
const RECONCILER_REQUIRED = { DATABASE_URL: 'postgres://oasis@db.example/postgres', RECONCILE_HOOKS: 'repo:acme/api/1', GITHUB_TOKEN: 'ghp_token' };

type Env = Record<string, string | undefined>;

const SERVICES = [
  { name: 'gateway', load: (env: Env) => loadConfig(env), required: {}, defaultPort: 8080, error: ConfigError, subject: 'invalid configuration' },
  { name: 'watcher', load: loadWatcherConfig, required: WATCHER_REQUIRED, defaultPort: 8081, error: WatcherConfigError, subject: 'invalid watcher configuration' },
  { name: 'reconciler', load: loadReconcilerConfig, required: RECONCILER_REQUIRED, defaultPort: 8080, error: ReconcilerConfigError, subject: 'invalid reconciler configuration' },
];

function messageOf(load: (env: Env) => unknown, env: Env): string {
  try {
    load(env);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a configuration error');
}

describe.each(SERVICES)('$name environment', ({ load, required, defaultPort, error, subject }) => {
  it.each(['', '   ', '\t'])('PORT=%j is unset: the default port', (blank) => {
    expect((load({ ...required, PORT: blank }) as { port: number }).port).toBe(defaultPort);
    expect((load({ ...required, SHUTDOWN_GRACE_MS: blank }) as { shutdownGraceMs: number }).shutdownGraceMs).toBe((load(required) as { shutdownGraceMs: number }).shutdownGraceMs);
  });

  it('names two bad settings together, in one line', () => {
    const env = { ...required, PORT: 'eighty', SHUTDOWN_GRACE_MS: '999999' };
    expect(() => load(env)).toThrow(error);
    const message = messageOf(load, env);
    expect(message).not.toContain('\n');
    expect(message).toBe(`${subject}: PORT must be an integer; SHUTDOWN_GRACE_MS must be at most 60000`);
  });
});

describe('gateway booleans (z.stringbool)', () => {
  it.each(['true', '1', 'yes', 'on', 'y', 'enabled', 'TRUE', ' Yes '])('%j is true', (word) => {
    expect(loadConfig({ OASIS_PUBLIC_READ: word }).publicRead).toBe(true);
  });

  it.each(['false', '0', 'no', 'off', 'n', 'disabled', 'False', ' NO '])('%j is false', (word) => {
    expect(loadConfig({ MIGRATE_ON_START: word }).migrateOnStart).toBe(false);
  });

  it('unset or blank is the default; any other word names the setting and what it got', () => {
    expect(loadConfig({ OASIS_PUBLIC_READ: ' ', MIGRATE_ON_START: '' })).toMatchObject({ publicRead: false, migrateOnStart: true });
    expect(messageOf(loadConfig, { OASIS_PUBLIC_READ: 'maybe', MIGRATE_ON_START: '2' })).toBe(
      'invalid configuration: OASIS_PUBLIC_READ must be true or false, got "maybe"; MIGRATE_ON_START must be true or false, got "2"',
    );
  });

  it('in production, a bad setting and a missing secret are named together', () => {
    const message = messageOf(loadConfig, { NODE_ENV: 'production', PORT: 'x', SUPABASE_JWT_SECRET: 'y'.repeat(32), GITHUB_WEBHOOK_SECRET: ' ' });
    expect(message).toBe(
      'invalid configuration: PORT must be an integer; DATABASE_URL is required when NODE_ENV=production; GITHUB_WEBHOOK_SECRET is required when NODE_ENV=production',
    );
  });
});
