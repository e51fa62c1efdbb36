import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/db.js';
import { json, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { openSse } from '../helpers/sse.js';
import { signToken, TEST_JWT_SECRET, userToken } from '../helpers/tokens.js';

/**
 * Issue 16 #8: a read-only credential for a wall-screen console. Role oasis_reader reads events (query
 * and feed), agents and the ledger of every tenant, and writes nothing: refused by the gateway with a
 * 403, and by the database itself (no grant) for anyone who reaches it another way.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
const run = promisify(execFile);

const readerToken = () => signToken({ role: 'oasis_reader', sub: 'wall-screen' });

describe.each(BACKENDS)('read-only token on %s', (backend) => {
  let gw: TestGateway;
  let reader: string;
  const count = async (table: string) => Number((await gw.db.query<{ n: string }>(`select count(*) as n from ${table}`)).rows[0]!.n);
  const counts = async () => ({ events: await count('oasis_events'), agents: await count('oasis_agents'), ledger: await count('"VtidLedger"') });

  beforeAll(async () => {
    gw = await startTestGateway({ backend });
    reader = await readerToken();
    // Rows of two tenants and the system, written by those allowed to.
    const acme = await userToken({ tenant: 'acme' });
    const post = (path: string, token: string, body: unknown) =>
      gw.request(path, { method: 'POST', token, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post('/events/ingest', acme, { source: 'agent.acme', kind: 'k', vtid: 'DEV-CICDL-0031' })).status).toBe(201);
    expect((await post('/events/ingest', gw.serviceToken, { source: 'agent.system', kind: 'k', vtid: 'DEV-CICDL-0031' })).status).toBe(201);
    expect((await post('/api/v1/agents/heartbeat', gw.serviceToken, { agent: 'builder-1', vtid: 'IDLE' })).status).toBeLessThan(300);
    expect((await post('/vtid/create', gw.serviceToken, { taskFamily: 'deploy', taskType: 'cloud-run', description: 'd' })).status).toBe(201);
  });
  afterAll(() => gw.close());

  it('reads events of every tenant, agents, the ledger and the live feed', async () => {
    const events = await gw.request('/api/v1/oasis/events?vtid=DEV-CICDL-0031', { token: reader });
    expect(events.status).toBe(200);
    expect(((await json(events)).data as Array<{ source: string }>).map((e) => e.source).sort()).toEqual(['agent.acme', 'agent.system']);
    const agents = await gw.request('/api/v1/agents', { token: reader });
    expect(agents.status).toBe(200);
    expect((await json(agents)).data).toEqual([expect.objectContaining({ agent: 'builder-1' })]);
    const ledger = await gw.request('/vtid/list', { token: reader });
    expect(ledger.status).toBe(200);
    expect((await json(ledger)).data).toHaveLength(1);

    // What the wall board and the timeline page read.
    for (const path of ['/api/v1/oasis/metrics', '/api/v1/oasis/board', '/vtid/DEV-CICDL-0031/timeline']) {
      const res = await gw.request(path, { token: reader });
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
    }

    const feed = await openSse(`${gw.url}/api/v1/devhub/feed`, { token: reader, lastEventId: 0 });
    try {
      expect(feed.status).toBe(200);
      const replayed = await feed.waitForEvents(2);
      expect(replayed.map((e) => e.source)).toEqual(expect.arrayContaining(['agent.acme', 'agent.system']));
    } finally {
      feed.close();
    }
  });

  it('every write is 403 read_only_token and stores nothing', async () => {
    const before = await counts();
    const attempts: Array<[string, string, unknown]> = [
      ['POST', '/events/ingest', { source: 's', kind: 'k' }],
      ['POST', '/api/v1/agents/heartbeat', { agent: 'screen-agent', vtid: 'IDLE' }],
      ['POST', '/vtid/create', { taskFamily: 'deploy', taskType: 'x', description: 'd' }],
      ['PATCH', '/vtid/VTID-2026-0001', { status: 'active' }],
    ];
    for (const [method, path, body] of attempts) {
      const res = await gw.request(path, { method, token: reader, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect({ path, status: res.status }).toEqual({ path, status: 403 });
      expect((await json(res)).error).toEqual({ code: 'read_only_token', message: 'this token may only read (role oasis_reader)' });
    }
    expect(await counts()).toEqual(before);
  });

  it('the database refuses writes as oasis_reader itself (a token used against Supabase directly)', async () => {
    const asReader = (sql: string) =>
      gw.db.transaction(async (tx) => {
        await tx.query(`select set_config('role', 'oasis_reader', true), set_config('request.jwt.claims', $1, true)`, [JSON.stringify({ role: 'oasis_reader' })]);
        return tx.query(sql);
      });
    expect((await asReader('select count(*) as n from oasis_events')).rows).toEqual([{ n: expect.anything() }]);
    for (const sql of [
      `insert into oasis_events (source, kind, status, tenant) values ('s', 'k', 'info', 'system')`,
      `update oasis_agents set vtid = 'IDLE'`,
      `delete from oasis_events`,
      `update "VtidLedger" set status = 'active'`,
    ]) {
      await expect(asReader(sql)).rejects.toThrow(/permission denied/);
    }
  });
});

describe('npm run token', () => {
  const token = (args: string[], env: Record<string, string> = { SUPABASE_JWT_SECRET: TEST_JWT_SECRET }) =>
    run(TSX, ['scripts/token.ts', ...args], { cwd: ROOT, env: { PATH: process.env.PATH!, ...env } });

  it('mints a read-only token with the expiry asked for, and says when it expires', async () => {
    const { stdout, stderr } = await token(['--read-only', '--expires', '30d', '--subject', 'lobby-screen']);
    const claims = JSON.parse(Buffer.from(stdout.trim().split('.')[1]!, 'base64url').toString()) as Record<string, number | string>;
    expect(claims).toMatchObject({ role: 'oasis_reader', sub: 'lobby-screen' });
    expect(Number(claims.exp) - Number(claims.iat)).toBe(30 * 24 * 3600);
    expect(stderr).toContain(`oasis_reader token for "lobby-screen", expires ${new Date(Number(claims.exp) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')}`);

    // It works on a gateway with that secret, for reading only.
    const gw = await startTestGateway();
    try {
      expect((await gw.request('/api/v1/oasis/events', { token: stdout.trim() })).status).toBe(200);
      const write = await gw.request('/events/ingest', { method: 'POST', token: stdout.trim(), headers: { 'content-type': 'application/json' }, body: '{"source":"s","kind":"k"}' });
      expect(write.status).toBe(403);
    } finally {
      await gw.close();
    }
  });

  it.each([
    [[], /say which token: --read-only/],
    [['--read-only', '--expires', '400d'], /--expires must be a duration like 30d/],
    [['--read-only', '--expires', 'soon'], /--expires must be a duration like 30d/],
    [['--read-only', '--service-role'], /choose one of --read-only and --service-role/],
    [['--read-only', '--bogus'], /unknown argument: --bogus/],
  ])('refuses %j with exit 2 and the usage', async (args, message) => {
    const failure = await token(args).then(() => null, (error: { code: number; stderr: string }) => error);
    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toMatch(message);
    expect(failure?.stderr).toContain('usage: npm run token --');
  });

  it('without any secret exits 1 saying where a secret comes from', async () => {
    const failure = await token(['--read-only'], { OASIS_DATA_DIR: '/nonexistent/pglite' }).then(() => null, (error: { code: number; stderr: string }) => error);
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toMatch(/no secret to sign with: set SUPABASE_JWT_SECRET/);
  });
});
