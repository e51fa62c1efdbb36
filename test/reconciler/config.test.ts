import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { describeConfig, loadReconcilerConfig, ReconcilerConfigError } from '../../runtime/reconciler/config.js';
import { parseHookList } from '../../runtime/reconciler/hooks.js';

const TOKEN = 'ghp_0123456789abcdefghijklmnopqrstuvwxyzAB';
const REQUIRED = {
  DATABASE_URL: 'postgres://oasis@db.example:5432/postgres',
  RECONCILE_HOOKS: 'repo:acme/api/123, org:acme/456',
  GITHUB_TOKEN: TOKEN,
};
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
const PEM = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString().trim();

function errorOf(env: Record<string, string | undefined>): string {
  try {
    loadReconcilerConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ReconcilerConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a configuration error');
}

describe('loadReconcilerConfig', () => {
  it('applies the defaults', () => {
    expect(loadReconcilerConfig(REQUIRED)).toEqual({
      port: 8080,
      database: { url: REQUIRED.DATABASE_URL, poolMax: 2, acquireTimeoutMs: 10_000 },
      hooks: [
        { type: 'repo', key: 'repo:acme/api/123', owner: 'acme', repo: 'api', hookId: 123 },
        { type: 'org', key: 'org:acme/456', org: 'acme', hookId: 456 },
      ],
      github: { apiUrl: 'https://api.github.com', credentials: { kind: 'token', token: TOKEN }, timeoutMs: 10_000 },
      pass: { lookbackMinutes: 4320, pageSize: 100, maxPages: 10, maxRedeliveries: 100, maxAttempts: 3 },
      shutdownGraceMs: 8_000,
    });
  });

  it('reads every setting', () => {
    const config = loadReconcilerConfig({
      ...REQUIRED,
      PORT: '9090',
      DATABASE_POOL_MAX: '4',
      DATABASE_ACQUIRE_TIMEOUT_MS: '2000',
      GITHUB_API_URL: 'http://127.0.0.1:3000/api/v3/',
      RECONCILE_LOOKBACK_MINUTES: '60',
      RECONCILE_PAGE_SIZE: '25',
      RECONCILE_MAX_PAGES: '3',
      RECONCILE_MAX_REDELIVERIES: '0',
      RECONCILE_MAX_ATTEMPTS: '5',
      RECONCILE_GITHUB_TIMEOUT_MS: '500',
      SHUTDOWN_GRACE_MS: '100',
    });
    expect(config).toMatchObject({
      port: 9090,
      database: { poolMax: 4, acquireTimeoutMs: 2000 },
      github: { apiUrl: 'http://127.0.0.1:3000/api/v3', timeoutMs: 500 },
      pass: { lookbackMinutes: 60, pageSize: 25, maxPages: 3, maxRedeliveries: 0, maxAttempts: 5 },
      shutdownGraceMs: 100,
    });
  });

  it('takes a GitHub App: id, PEM key (also with literal \\n), installation', () => {
    const config = loadReconcilerConfig({
      ...REQUIRED,
      GITHUB_TOKEN: '',
      RECONCILE_HOOKS: 'app,repo:acme/api/1',
      GITHUB_APP_ID: '123456',
      GITHUB_APP_PRIVATE_KEY: PEM.replace(/\n/g, '\\n'),
      GITHUB_APP_INSTALLATION_ID: '987',
    });
    expect(config.github.credentials).toEqual({ kind: 'app', appId: '123456', privateKey: PEM, installationId: 987 });
    expect(config.hooks.map((hook) => hook.key)).toEqual(['app', 'repo:acme/api/1']);
    // Only the App's own hook: no installation needed.
    const appOnly = loadReconcilerConfig({ ...REQUIRED, GITHUB_TOKEN: undefined, RECONCILE_HOOKS: 'app', GITHUB_APP_ID: '1', GITHUB_APP_PRIVATE_KEY: PEM });
    expect(appOnly.github.credentials).toEqual({ kind: 'app', appId: '1', privateKey: PEM });
  });

  it('names each missing required setting, in one line', () => {
    const message = errorOf({});
    expect(message).not.toContain('\n');
    expect(message).toMatch(/^invalid reconciler configuration: /);
    for (const name of ['DATABASE_URL', 'RECONCILE_HOOKS', 'GITHUB_TOKEN']) expect(message).toContain(`${name} is required`);
  });

  it.each([
    ['RECONCILE_HOOKS', 'repo:acme/api', 'RECONCILE_HOOKS entry "repo:acme/api" is not repo:OWNER/NAME/HOOK_ID, org:ORG/HOOK_ID or app'],
    ['RECONCILE_HOOKS', 'org:acme/0', 'RECONCILE_HOOKS entry "org:acme/0" is not'],
    ['RECONCILE_HOOKS', 'repo:acme/api/1,repo:ACME/api/1', 'RECONCILE_HOOKS lists repo:ACME/api/1 twice'],
    ['RECONCILE_HOOKS', 'app', 'RECONCILE_HOOKS lists app, which needs GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY'],
    ['DATABASE_URL', 'mysql://db', 'DATABASE_URL must be a postgres:// or postgresql:// URL'],
    ['GITHUB_API_URL', 'not a url', 'GITHUB_API_URL must be an http(s) URL'],
    ['RECONCILE_LOOKBACK_MINUTES', '5000', 'RECONCILE_LOOKBACK_MINUTES must be at most 4320'],
    ['RECONCILE_PAGE_SIZE', '101', 'RECONCILE_PAGE_SIZE must be at most 100'],
    ['RECONCILE_MAX_PAGES', '0', 'RECONCILE_MAX_PAGES must be at least 1'],
    ['RECONCILE_MAX_ATTEMPTS', 'many', 'RECONCILE_MAX_ATTEMPTS must be an integer'],
    ['GITHUB_APP_ID', '42', 'GITHUB_TOKEN and GITHUB_APP_ID/GITHUB_APP_PRIVATE_KEY are both set'],
  ])('%s=%j is refused with a message naming it', (name, value, expected) => {
    const message = errorOf({ ...REQUIRED, [name]: value });
    expect(message).toContain(expected);
    expect(message.split(';')).toHaveLength(1);
  });

  it('refuses an incomplete GitHub App, naming what is missing and never echoing the key', () => {
    const base = { ...REQUIRED, GITHUB_TOKEN: undefined };
    expect(errorOf({ ...base, GITHUB_APP_ID: '1' })).toContain('GITHUB_APP_PRIVATE_KEY is required with GITHUB_APP_ID');
    expect(errorOf({ ...base, GITHUB_APP_PRIVATE_KEY: PEM })).toContain('GITHUB_APP_ID is required with GITHUB_APP_PRIVATE_KEY');
    expect(errorOf({ ...base, GITHUB_APP_ID: '1', GITHUB_APP_PRIVATE_KEY: PEM })).toContain(
      'GITHUB_APP_INSTALLATION_ID is required to read repository or organization hooks as the GitHub App',
    );
    const badKey = errorOf({ ...base, GITHUB_APP_ID: '1', GITHUB_APP_PRIVATE_KEY: 'secret-but-not-a-pem', GITHUB_APP_INSTALLATION_ID: '2' });
    expect(badKey).toContain("GITHUB_APP_PRIVATE_KEY must be the App's PEM private key");
    expect(badKey).not.toContain('secret-but-not-a-pem');
  });

  it('reports bad credentials together with other bad settings', () => {
    const message = errorOf({ DATABASE_URL: 'nope', RECONCILE_HOOKS: 'repo:acme/api/1' });
    expect(message).toContain('DATABASE_URL must be a postgres://');
    expect(message).toContain('GITHUB_TOKEN is required');
  });

  it('describes itself without the credential', () => {
    const described = JSON.stringify(describeConfig(loadReconcilerConfig(REQUIRED)));
    expect(described).toContain('repo:acme/api/123');
    expect(described).not.toContain(TOKEN);
    expect(described).not.toContain('db.example');
  });
});

describe('parseHookList', () => {
  it('keeps the spelling of each hook as its key, skips empty entries', () => {
    expect(parseHookList(' app ,, repo:Acme-Inc/my.repo_1/42 ')).toEqual({
      hooks: [
        { type: 'app', key: 'app' },
        { type: 'repo', key: 'repo:Acme-Inc/my.repo_1/42', owner: 'Acme-Inc', repo: 'my.repo_1', hookId: 42 },
      ],
    });
  });
});
