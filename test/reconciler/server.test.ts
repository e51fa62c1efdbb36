import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../runtime/core/log.js';
import { loadReconcilerConfig } from '../../runtime/reconciler/config.js';
import { startReconciler } from '../../runtime/reconciler/start.js';
import { HAS_PG } from '../helpers/db.js';
import { json, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startFakeGithub, type FakeGithub } from '../helpers/github-rest-server.js';
import { stopWithIdleConnection } from '../helpers/idle-connection.js';
import { spawnGateway } from '../helpers/process.js';
import { TEST_WEBHOOK_SECRET } from '../helpers/tokens.js';

/**
 * The reconciler as its own OS process, started the way Cloud Run (`npm run start:reconciler`) and an
 * operator after an outage (`npm run reconcile`) start it: config from the environment, a real pass
 * against the local GitHub API and the real gateway's database, SIGTERM.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
const TOKEN = 'ghp_servertesttoken0123456789abcdefghij';

let gateway: TestGateway;
let github: FakeGithub;

beforeAll(async () => {
  if (!HAS_PG) return;
  [gateway, github] = await Promise.all([startTestGateway({ backend: 'pg' }), startFakeGithub({ token: TOKEN })]);
  github.onAttempt({ kind: 'deliver', url: gateway.url, secret: TEST_WEBHOOK_SECRET });
});
afterAll(async () => {
  await Promise.all([gateway?.close(), github?.close()]);
});

const envFor = (hooks: string) => ({ DATABASE_URL: gateway.databaseUrl!, RECONCILE_HOOKS: hooks, GITHUB_TOKEN: TOKEN, GITHUB_API_URL: github.url });

/** Runs `npm run reconcile`'s entry to its end, in its own process group (removed whatever happens). */
async function runOnce(env: Record<string, string>): Promise<{ code: number | null; logs: Array<Record<string, any>> }> {
  const child = spawn(TSX, ['runtime/reconciler/cli.ts'], { cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 30_000);
  try {
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    const logs = stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, any>);
    return { code, logs };
  } finally {
    clearTimeout(timer);
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // the group is gone already
    }
  }
}

describe.skipIf(!HAS_PG)('reconciler process', () => {
  it('starts, answers /healthz, runs a pass on POST /reconcile, and exits 0 on SIGTERM', async () => {
    const spec = 'repo:acme/service/501';
    github.addHook(spec);
    const failed = github.addDelivery(spec, { event: 'push', statusCode: 502, payload: { ref: 'refs/heads/main' } });
    const reconciler = await spawnGateway({ entry: 'runtime/reconciler/server.ts', env: envFor(spec) });
    try {
      expect(await (await fetch(`${reconciler.url}/healthz`)).json()).toEqual({ ok: true, service: 'delivery-reconciler' });

      const pass = await fetch(`${reconciler.url}/reconcile`, { method: 'POST' });
      expect(pass.status).toBe(200);
      const body = await json(pass);
      expect(body).toMatchObject({ ok: true, skipped: false, rateLimited: null, totals: { redelivered: 1 }, hooks: [{ hook: spec, outcome: 'read' }] });
      expect(github.attempts).toEqual([{ hook: spec, deliveryId: failed.id, guid: failed.guid }]);
      const stored = await gateway.db.query('select source from public.oasis_events where external_id = $1', [failed.guid]);
      expect(stored.rows).toEqual([{ source: 'github' }]);

      const unknown = await fetch(`${reconciler.url}/poll`, { method: 'POST' });
      expect(unknown.status).toBe(404);
      expect(await unknown.json()).toMatchObject({ ok: false, error: { code: 'not_found' } });

      expect(reconciler.logs.find((line) => line.message === 'reconciler listening')).toMatchObject({
        severity: 'INFO',
        service: 'vitana-delivery-reconciler',
        hooks: [spec],
        auth: 'token',
      });
      expect(JSON.stringify(reconciler.logs)).not.toContain(TOKEN);
    } finally {
      expect(await reconciler.stop('SIGTERM')).toBe(0);
    }
    expect(reconciler.logs.map((line) => line.message)).toContain('delivery reconciler stopped');
  });

  it('refuses to start on bad settings: one CRITICAL line naming them, exit 1', async () => {
    const error = await spawnGateway({
      entry: 'runtime/reconciler/server.ts',
      env: { DATABASE_URL: 'mysql://db', RECONCILE_HOOKS: 'repo:acme/no-hook-id', GITHUB_TOKEN: TOKEN },
    }).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toMatch(/exited \(1\) before listening/);
    // One line, naming both settings.
    expect(message.split('"severity":"CRITICAL"')).toHaveLength(2);
    expect(message).toMatch(/"message":"invalid reconciler configuration: [^"]*DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL; RECONCILE_HOOKS entry \\"repo:acme\/no-hook-id\\" is not/);
    expect(message).not.toContain(TOKEN);
  });

  it('npm run reconcile: one pass after an outage, the summary as its last line, exit 0', async () => {
    const spec = 'org:acme/502';
    github.addHook(spec);
    const missed = Array.from({ length: 3 }, (_, i) => github.addDelivery(spec, { event: 'workflow_job', statusCode: i === 0 ? 0 : 503 }));
    const { code, logs } = await runOnce(envFor(spec));
    expect(code).toBe(0);
    expect(logs.at(-1)).toMatchObject({ message: 'reconcile pass finished', totals: { redelivered: 3, held: 0 } });
    const stored = await gateway.db.query('select count(*)::int as n from public.oasis_events where external_id = any($1::text[])', [missed.map((d) => d.guid)]);
    expect(stored.rows).toEqual([{ n: 3 }]);
    expect(JSON.stringify(logs)).not.toContain(TOKEN);
  });
});

describe('reconciler service without its database', () => {
  it('answers POST /reconcile 503 database_unavailable (JSON, Retry-After), having asked GitHub nothing', async () => {
    const api = await startFakeGithub({ token: TOKEN });
    api.addHook('repo:acme/api/1');
    const logger = createMemoryLogger();
    // Nothing listens on port 1: the connection is refused at once.
    const config = loadReconcilerConfig({
      PORT: '0',
      DATABASE_URL: 'postgres://oasis@127.0.0.1:1/oasis',
      DATABASE_ACQUIRE_TIMEOUT_MS: '500',
      RECONCILE_HOOKS: 'repo:acme/api/1',
      GITHUB_TOKEN: TOKEN,
      GITHUB_API_URL: api.url,
    });
    const reconciler = await startReconciler(config, { logger, hostname: '127.0.0.1' });
    try {
      const response = await fetch(`${reconciler.url}/reconcile`, { method: 'POST' });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('60');
      expect(await response.json()).toEqual({ ok: false, error: { code: 'database_unavailable', message: 'the OASIS database is unavailable; the next pass covers the same deliveries' } });
      expect(api.requests).toEqual([]);
      expect(logger.lines.filter((line) => line.severity === 'ERROR').map((line) => line.message)).toEqual(['pass failed: OASIS database unavailable']);
    } finally {
      await reconciler.shutdown();
      await api.close();
    }
  });
});

describe('reconciler service stop', () => {
  it('closes a pre-opened idle connection at once instead of waiting out its grace', async () => {
    const logger = createMemoryLogger();
    const config = loadReconcilerConfig({
      PORT: '0',
      DATABASE_URL: 'postgres://oasis@127.0.0.1:1/oasis',
      RECONCILE_HOOKS: 'repo:acme/api/1',
      GITHUB_TOKEN: TOKEN,
      SHUTDOWN_GRACE_MS: '20000',
    });
    const reconciler = await startReconciler(config, { logger, hostname: '127.0.0.1' });
    expect(await stopWithIdleConnection(reconciler.url, () => reconciler.shutdown())).toBeLessThan(3_000);
    expect(logger.lines.map((line) => line.message)).toEqual(expect.arrayContaining(['shutdown complete']));
    expect(logger.lines.filter((line) => line.severity === 'WARNING')).toEqual([]);
  }, 30_000);
});
