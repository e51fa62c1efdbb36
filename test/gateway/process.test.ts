import { spawn } from 'node:child_process';

import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { BACKENDS, createPgDatabaseUrl } from '../helpers/db.js';
import { spawnGateway, type GatewayProcess } from '../helpers/process.js';
import { serviceToken } from '../helpers/tokens.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));

/** The gateway as an OS process: start-up configuration, local mode, signals. */

let running: GatewayProcess[] = [];
let onCleanup: Array<() => Promise<void> | undefined> = [];
afterEach(async () => {
  await Promise.all(running.map((p) => p.stop('SIGKILL')));
  running = [];
  await Promise.all(onCleanup.map((cleanup) => cleanup()));
  onCleanup = [];
});

function tempDataDir(): string {
  return join(tempDir('oasis-data-'), 'pglite');
}

function runToExit(env: Record<string, string>, entry = 'runtime/gateway/server.ts'): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(TSX, [entry], { cwd: ROOT, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.once('exit', (code) => resolve({ code, stdout }));
  });
}


// The folders go after every process that used them has stopped (those stop in afterEach/afterAll).
afterAll(removeTempDirs);
describe('gateway process', () => {
  it('stops with one clear line when a production secret is missing', async () => {
    const { code, stdout } = await runToExit({ NODE_ENV: 'production', DATABASE_URL: 'postgres://127.0.0.1:1/x', GITHUB_WEBHOOK_SECRET: 'x' });
    expect(code).toBe(1);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      severity: 'CRITICAL',
      message: 'invalid configuration: SUPABASE_JWT_SECRET or SUPABASE_JWKS_URL (or SUPABASE_URL) is required when NODE_ENV=production',
    });
  });

  it.each([
    ['SUPABASE_JWKS_URL', 'http://keys.example.com/jwks.json'],
    ['SUPABASE_URL', 'not a url'],
  ])('stops with one line naming %s when its signing-key URL is not trusted', async (name, value) => {
    const { code, stdout } = await runToExit({ [name]: value });
    expect(code).toBe(1);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ severity: 'CRITICAL', message: expect.stringMatching(new RegExp(`^invalid configuration: ${name} must be an`)) });
  });

  it('stops with one clear line on a malformed setting', async () => {
    const { code, stdout } = await runToExit({ PORT: 'abc' });
    expect(code).toBe(1);
    expect(stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(stdout).message).toMatch(/^invalid configuration: PORT/);
  });

  it('stops with one clear line when its port is taken (a second gateway, or the watcher or the reconciler on the same port)', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    onCleanup.push(() => new Promise<void>((resolve) => holder.close(() => resolve())));
    const { port } = holder.address() as AddressInfo;
    const env = { PORT: String(port), HOST: '127.0.0.1', GOOGLE_CLOUD_PROJECT: 'p', GATEWAY_URL: 'http://127.0.0.1:1', SUPABASE_SERVICE_ROLE: 't' };
    const runs = await Promise.all([
      runToExit({ ...env, OASIS_DATA_DIR: tempDataDir() }, 'runtime/gateway/server.ts'),
      runToExit(env, 'runtime/watcher/server.ts'),
      runToExit({ ...env, DATABASE_URL: 'postgres://oasis@127.0.0.1:1/oasis', RECONCILE_HOOKS: 'repo:acme/api/1', GITHUB_TOKEN: 't' }, 'runtime/reconciler/server.ts'),
    ]);
    for (const { code, stdout } of runs) {
      expect(code).toBe(1);
      const critical = stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.severity === 'CRITICAL');
      // The watcher and the reconciler listen on every interface (no local mode), the gateway on the HOST given.
      expect(critical).toEqual([expect.objectContaining({ message: expect.stringMatching(new RegExp(`^port ${port} on (127\\.0\\.0\\.1|::) is in use by another process: stop it, or set PORT to a free port$`)) })]);
      expect(critical[0]).not.toHaveProperty('error');
    }
  }, 120_000);

  it('refuses to start when LISTEN would go through Supabase\'s transaction pooler (port 6543), saying why', async () => {
    const { code, stdout } = await runToExit({
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/never-used',
      DATABASE_LISTEN_URL: 'postgres://postgres@127.0.0.1:6543/postgres',
      MIGRATE_ON_START: 'false',
      SUPABASE_JWT_SECRET: 'x'.repeat(32),
      GITHUB_WEBHOOK_SECRET: 'x',
    });
    expect(code).toBe(1);
    const critical = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { severity: string; message: string; error?: { message?: string } })
      .find((entry) => entry.severity === 'CRITICAL');
    expect(critical).toMatchObject({ message: 'gateway failed to start' });
    expect(critical!.error!.message).toMatch(/LISTEN needs a session-mode or direct database URL .*not the transaction pooler \(port 6543\)/);
  });

  it('local mode generates secrets once per data directory and prints a console link, an expiring token and curl that work', async () => {
    const dataDir = tempDataDir();
    const env = { OASIS_DATA_DIR: dataDir, SUPABASE_JWT_SECRET: '', GITHUB_WEBHOOK_SECRET: '' };
    const first = await spawnGateway({ env });
    running.push(first);
    const banner = await first.waitForStderr(/    npm run demo\n/);
    const token = /export GW=\S+ TOKEN=(\S+)/.exec(banner)?.[1];
    expect(token).toBeDefined();
    // The console link carries the token: opened as printed, the page is authorised.
    expect(banner).toContain(`Live Console:  ${first.url}/?access_token=${token}`);
    expect(banner).toContain(`export GW=${first.url} TOKEN=${token}`);
    expect(banner).toContain('curl -s -X POST "$GW/events/ingest" -H "Authorization: Bearer $TOKEN"');
    expect(banner).toContain('    npm run demo\n');
    expect(banner).toMatch(/Generated for local use .*SUPABASE_JWT_SECRET, GITHUB_WEBHOOK_SECRET/);
    // The token expires (in 7 days), and the banner says when.
    const claims = JSON.parse(Buffer.from(token!.split('.')[1]!, 'base64url').toString()) as { iat: number; exp: number };
    expect(claims.exp - claims.iat).toBe(7 * 24 * 3600);
    expect(banner).toContain(`Service-role token (expires ${new Date(claims.exp * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')};`);
    const res = await fetch(`${first.url}/events/ingest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ source: 'demo', kind: 'hello' }),
    });
    expect(res.status).toBe(201);
    expect(await first.stop()).toBe(0);

    // Same data directory: same secret, so the first token still works, and the event is still there.
    const second = await spawnGateway({ env });
    running.push(second);
    expect(await second.waitForStderr(/Reused from the first start/)).toMatch(/Reused from the first start .*SUPABASE_JWT_SECRET, GITHUB_WEBHOOK_SECRET/);
    expect(second.stderr()).not.toContain('Generated for local use');
    const list = await fetch(`${second.url}/api/v1/oasis/events?source=demo`, { headers: { authorization: `Bearer ${token}` } });
    expect(list.status).toBe(200);
    expect(((await list.json()) as { data: unknown[] }).data).toHaveLength(1);
    expect(JSON.stringify(second.logs)).not.toContain(token!);
  });

  it.each(BACKENDS)('SIGTERM on %s: refuses new connections, finishes the in-flight request, exits 0', async (backend) => {
    const database = backend === 'pg' ? await createPgDatabaseUrl() : undefined;
    onCleanup.push(() => database?.drop());
    const gateway = await spawnGateway({ env: database ? { DATABASE_URL: database.url } : { OASIS_DATA_DIR: tempDataDir() } });
    running.push(gateway);
    const token = await serviceToken();
    const body = JSON.stringify({ source: 'shutdown', kind: 'in-flight', title: 'finished after SIGTERM' });

    // Send the headers and half the body, then signal: the request is in flight while the server stops.
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${gateway.url}/events/ingest`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      });
      req.on('response', (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      });
      req.on('error', reject);
      req.write(body.slice(0, 20));
      setTimeout(() => {
        gateway.child.kill('SIGTERM');
        setTimeout(() => req.end(body.slice(20)), 700);
      }, 300);
    });

    await new Promise((r) => setTimeout(r, 600));
    await expect(fetch(`${gateway.url}/healthz`)).rejects.toThrow();
    const result = await response;
    expect(result.status).toBe(201);
    expect(JSON.parse(result.body)).toEqual({ ok: true, id: 1 });
    expect(await gateway.exited).toBe(0);
    expect(gateway.logs.map((l) => l.message)).toEqual(expect.arrayContaining(['signal received', 'shutdown complete']));
  });
});
