import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createTestDatabase, stallEventWrites, type TestDatabase } from '../helpers/db.js';
import { json, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { signToken, userToken } from '../helpers/tokens.js';

const post = (gw: TestGateway, body: unknown, init: { token?: string | null; contentType?: string; raw?: string } = {}) =>
  gw.request('/events/ingest', {
    method: 'POST',
    token: init.token,
    headers: { 'content-type': init.contentType ?? 'application/json' },
    body: init.raw ?? JSON.stringify(body),
  });

async function countEvents(gw: TestGateway): Promise<number> {
  const { rows } = await gw.db.query<{ n: number }>('select count(*)::int as n from oasis_events');
  return rows[0]!.n;
}

describe.each(BACKENDS)('POST /events/ingest on %s', (backend) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ backend });
  });
  afterAll(() => gw.close());

  it('stores a full event and answers 201 with its id', async () => {
    const body = {
      source: 'agent.builder',
      kind: 'task.progress',
      status: 'in_progress',
      vtid: 'dev-cicdl-0031',
      layer: 'DEV',
      module: 'CICDL',
      title: 'Compiling',
      repo: 'vitana/oasis',
      ref: 'refs/heads/main',
      sha: 'a1b2c3d4e5f6',
      actor: 'builder-1',
      url: 'https://example.com/runs/1',
      externalId: 'ext-full-1',
      ts: '2026-11-20T10:00:00.000Z',
      tenant: 'acme',
      metadata: { step: 3 },
    };
    const res = await post(gw, body);
    expect(res.status).toBe(201);
    const out = await json(res);
    expect(out).toEqual({ ok: true, id: expect.any(Number) });
    const { rows } = await gw.db.query('select * from oasis_events where id = $1', [out.id]);
    expect(rows[0]).toMatchObject({
      source: 'agent.builder',
      kind: 'task.progress',
      status: 'in_progress',
      vtid: 'DEV-CICDL-0031',
      layer: 'DEV',
      module: 'CICDL',
      title: 'Compiling',
      repo: 'vitana/oasis',
      ref: 'refs/heads/main',
      sha: 'a1b2c3d4e5f6',
      actor: 'builder-1',
      url: 'https://example.com/runs/1',
      external_id: 'ext-full-1',
      tenant: 'acme',
      metadata: { step: 3 },
      payload: body,
    });
    expect(new Date(rows[0]!.ts as string).toISOString()).toBe('2026-11-20T10:00:00.000Z');
  });

  it('accepts the legacy shape (service, event, metadata.vtid)', async () => {
    const body = { service: 'vtid-ledger', event: 'vtid-created', tenant: 'system', status: 'success', metadata: { vtid: 'VTID-2025-0001' } };
    const res = await post(gw, body);
    expect(res.status).toBe(201);
    const { id } = await json(res);
    const { rows } = await gw.db.query('select source, kind, vtid, status, tenant from oasis_events where id = $1', [id]);
    expect(rows[0]).toEqual({ source: 'vtid-ledger', kind: 'vtid-created', vtid: 'VTID-2025-0001', status: 'success', tenant: 'system' });
  });

  it('normalizes the legacy metadata.vtid as the vtid field is (trimmed, upper-case)', async () => {
    const { id } = await json(await post(gw, { service: 'legacy', event: 'e', metadata: { vtid: ' vtid-2025-0002 ' } }));
    const { rows } = await gw.db.query('select vtid from oasis_events where id = $1', [id]);
    expect(rows[0]).toEqual({ vtid: 'VTID-2025-0002' });
  });

  it('defaults vtid to UNSET, status to info and tenant to system', async () => {
    const res = await post(gw, { source: 's', kind: 'k' });
    const { id } = await json(res);
    const { rows } = await gw.db.query('select vtid, status, tenant from oasis_events where id = $1', [id]);
    expect(rows[0]).toEqual({ vtid: 'UNSET', status: 'info', tenant: 'system' });
  });

  it('answers a repeat of (source, externalId) with 200, the original id and no new row', async () => {
    const first = await json(await post(gw, { source: 'dup', kind: 'k', externalId: 'same-1' }));
    const before = await countEvents(gw);
    const again = await post(gw, { source: 'dup', kind: 'other', externalId: 'same-1' });
    expect(again.status).toBe(200);
    expect(await json(again)).toEqual({ ok: true, id: first.id, duplicate: true });
    expect(await countEvents(gw)).toBe(before);
  });

  it('ten concurrent posts of one (source, externalId): one 201, nine 200 with the same id, one row', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => post(gw, { source: 'race', kind: 'k', title: `attempt ${i}`, externalId: 'race-1' }).then(async (res) => ({ status: res.status, body: await json(res) }))),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    const { rows } = await gw.db.query<{ n: number }>(`select count(*)::int as n from oasis_events where source = 'race' and external_id = 'race-1'`);
    expect(rows[0]!.n).toBe(1);
  });

  describe('rejects bad input with 400 naming the fields, writing nothing', () => {
    const cases: Array<[string, unknown, RegExp]> = [
      ['missing source and kind', { status: 'info' }, /source.*kind/],
      ['missing kind', { source: 's' }, /kind/],
      ['wrong types', { source: 1, kind: true }, /source.*kind/],
      ['unknown status', { source: 's', kind: 'k', status: 'done' }, /status/],
      ['malformed vtid', { source: 's', kind: 'k', vtid: 'VTID-2026-12' }, /vtid/],
      ['bad timestamp', { source: 's', kind: 'k', ts: 'yesterday' }, /ts/],
      ['unknown field', { source: 's', kind: 'k', colour: 'red' }, /colour/],
      ['metadata not an object', { source: 's', kind: 'k', metadata: [1, 2] }, /metadata/],
      ['not an object', [1, 2, 3], /expected object/i],
      // What PostgreSQL cannot store is the client's error: 400 naming the field, never a 500 from the INSERT.
      ['NUL in a text field', { source: 'a\u0000b', kind: 'k' }, /source: must not contain NUL/],
      ['NUL in the url', { source: 's', kind: 'k', url: 'https://example.com/\u0000' }, /url/],
      ['NUL in metadata', { source: 's', kind: 'k', metadata: { note: ['ok', 'a\u0000'] } }, /metadata\.note\.1: must not contain NUL/],
      ['NUL in a metadata key', { source: 's', kind: 'k', metadata: { 'a\u0000': 1 } }, /metadata\.a.*key must not contain NUL/],
      ['unpaired surrogate in metadata', { source: 's', kind: 'k', metadata: { x: '\ud800' } }, /metadata\.x: must not contain/],
      ['year 0000', { source: 's', kind: 'k', ts: '0000-01-01T00:00:00Z' }, /ts: must be a timestamp PostgreSQL can store/],
      ['UTC offset beyond 15:59', { source: 's', kind: 'k', ts: '2026-01-01T00:00:00+23:00' }, /ts: must be a timestamp PostgreSQL can store/],
      ['legacy metadata.vtid that is not a VTID', { service: 's', event: 'e', metadata: { vtid: 'x'.repeat(5000) } }, /metadata\.vtid: must be a VTID/],
    ];
    it.each(cases)('%s', async (_name, body, message) => {
      const before = await countEvents(gw);
      const res = await post(gw, body);
      expect(res.status).toBe(400);
      const out = await json(res);
      expect(out.ok).toBe(false);
      expect(out.error.code).toBe('invalid_request');
      expect(out.error.message).toMatch(message);
      expect(await countEvents(gw)).toBe(before);
    });

    it('metadata nested too deep for the serializer and jsonb', async () => {
      const before = await countEvents(gw);
      const deep = '['.repeat(100_000) + ']'.repeat(100_000);
      const res = await post(gw, null, { raw: `{"source":"s","kind":"k","metadata":{"a":${deep}}}` });
      expect(res.status).toBe(400);
      expect((await json(res)).error.message).toMatch(/metadata\.a(\.0)+: must not nest deeper than 32 levels/);
      expect(await countEvents(gw)).toBe(before);
    });

    it('non-JSON body', async () => {
      const before = await countEvents(gw);
      const res = await post(gw, null, { raw: '{"source": "s", kind' });
      expect(res.status).toBe(400);
      expect((await json(res)).error.code).toBe('invalid_json');
      expect(await countEvents(gw)).toBe(before);
    });
  });

  it('answers 415 for a non-JSON content type and 413 for a body over 1 MiB, writing nothing', async () => {
    const before = await countEvents(gw);
    const text = await post(gw, null, { contentType: 'text/plain', raw: 'source=s' });
    expect(text.status).toBe(415);
    expect((await json(text)).error).toEqual({
      code: 'unsupported_media_type',
      message: 'the request body must be JSON: send Content-Type: application/json',
    });
    const big = await post(gw, { source: 's', kind: 'k', metadata: { blob: 'x'.repeat(1024 * 1024) } });
    expect(big.status).toBe(413);
    expect((await json(big)).error.code).toBe('payload_too_large');
    expect(await countEvents(gw)).toBe(before);
  });

  describe('authentication', () => {
    const event = { source: 'auth', kind: 'k' };
    it.each([
      ['no token', null, 401, 'unauthenticated'],
      ['not a JWT', 'not-a-jwt', 401, 'invalid_token'],
    ] as const)('%s -> %d', async (_n, token, status, code) => {
      const before = await countEvents(gw);
      const res = await post(gw, event, { token });
      expect(res.status).toBe(status);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect((await json(res)).error.code).toBe(code);
      expect(await countEvents(gw)).toBe(before);
    });

    it.each([
      ['a Basic authorization header', 'Basic dXNlcjpwYXNz'],
      ['a token only in the query (writes need the header)', null],
    ] as const)('%s -> 401', async (_n, header) => {
      const before = await countEvents(gw);
      const res = await gw.request(`/events/ingest${header ? '' : `?access_token=${gw.serviceToken}`}`, {
        method: 'POST',
        token: null,
        headers: { 'content-type': 'application/json', ...(header ? { authorization: header } : {}) },
        body: JSON.stringify(event),
      });
      expect(res.status).toBe(401);
      expect((await json(res)).error.code).toMatch(/^(unauthenticated|invalid_token)$/);
      expect(await countEvents(gw)).toBe(before);
    });

    it('expired token -> 401 token_expired', async () => {
      const before = await countEvents(gw);
      const res = await post(gw, event, { token: await signToken({ role: 'service_role', exp: Math.floor(Date.now() / 1000) - 60 }) });
      expect(res.status).toBe(401);
      expect((await json(res)).error.code).toBe('token_expired');
      expect(await countEvents(gw)).toBe(before);
    });

    it('token signed with another secret -> 401 invalid_token', async () => {
      const before = await countEvents(gw);
      const res = await post(gw, event, { token: await signToken({ role: 'service_role' }, 'another-secret-another-secret-another-secret') });
      expect(res.status).toBe(401);
      expect((await json(res)).error.code).toBe('invalid_token');
      expect(await countEvents(gw)).toBe(before);
    });

    it('a role we do not serve -> 403', async () => {
      const before = await countEvents(gw);
      for (const role of ['anon', 'supabase_admin']) {
        const res = await post(gw, event, { token: await signToken({ role }) });
        expect(res.status).toBe(403);
        expect((await json(res)).error.code).toBe('forbidden_role');
      }
      expect(await countEvents(gw)).toBe(before);
    });
  });

  describe('tenancy (row-level security)', () => {
    it('an authenticated caller writes into its own tenant by default', async () => {
      const token = await userToken({ tenant: 'tenant-a', tenantInAppMetadata: true });
      const res = await post(gw, { source: 'user', kind: 'k', externalId: 'tenant-a-1' }, { token });
      expect(res.status).toBe(201);
      const { rows } = await gw.db.query(`select tenant from oasis_events where external_id = 'tenant-a-1'`);
      expect(rows).toEqual([{ tenant: 'tenant-a' }]);
    });

    it('writing for another tenant is refused by the policy: 403 and no row', async () => {
      const token = await userToken({ tenant: 'tenant-a' });
      const before = await countEvents(gw);
      const res = await post(gw, { source: 'user', kind: 'k', tenant: 'tenant-b', externalId: 'cross-1' }, { token });
      expect(res.status).toBe(403);
      expect((await json(res)).error.code).toBe('wrong_tenant');
      expect(await countEvents(gw)).toBe(before);
      const { rows } = await gw.db.query(`select id from oasis_events where external_id = 'cross-1'`);
      expect(rows).toEqual([]);
    });

    it('an externalId already used by another tenant is 409, and neither row changes', async () => {
      const tokenA = await userToken({ tenant: 'tenant-a' });
      const tokenB = await userToken({ tenant: 'tenant-b' });
      const first = await post(gw, { source: 'user', kind: 'k', title: 'from a', externalId: 'clash-1' }, { token: tokenA });
      expect(first.status).toBe(201);
      const before = await countEvents(gw);
      const clash = await post(gw, { source: 'user', kind: 'k', title: 'from b', externalId: 'clash-1' }, { token: tokenB });
      expect(clash.status).toBe(409);
      expect((await json(clash)).error.code).toBe('external_id_conflict');
      expect(await countEvents(gw)).toBe(before);
      const { rows } = await gw.db.query(`select tenant, title from oasis_events where external_id = 'clash-1'`);
      expect(rows).toEqual([{ tenant: 'tenant-a', title: 'from a' }]);
      // The owner's own repeat is the ordinary idempotent answer.
      const again = await post(gw, { source: 'user', kind: 'k', externalId: 'clash-1' }, { token: tokenA });
      expect(again.status).toBe(200);
      expect(await json(again)).toEqual({ ok: true, id: (await json(first)).id, duplicate: true });
    });

    it('an authenticated caller without a tenant cannot write', async () => {
      const res = await post(gw, { source: 'user', kind: 'k' }, { token: await userToken({}) });
      expect(res.status).toBe(403);
    });

    it('the policy holds for raw SQL as authenticated too', async () => {
      const attempt = gw.db.transaction(async (tx) => {
        await tx.query(`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', $1, true)`, [JSON.stringify({ role: 'authenticated', tenant: 'tenant-a' })]);
        await tx.query(`insert into oasis_events (source, kind, tenant) values ('sql', 'k', 'tenant-b')`);
      });
      await expect(attempt).rejects.toMatchObject({ code: '42501' });
      const forbiddenUpdate = gw.db.transaction(async (tx) => {
        await tx.query(`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', $1, true)`, [JSON.stringify({ role: 'authenticated', tenant: 'tenant-a' })]);
        await tx.query(`update oasis_events set title = 'x'`);
      });
      await expect(forbiddenUpdate).rejects.toMatchObject({ code: '42501' });
      const forbiddenDelete = gw.db.transaction(async (tx) => {
        await tx.query(`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', $1, true)`, [JSON.stringify({ role: 'authenticated', tenant: 'tenant-a' })]);
        await tx.query(`delete from oasis_events`);
      });
      await expect(forbiddenDelete).rejects.toMatchObject({ code: '42501' });
      // anon (Supabase's REST API without a login) may not even read.
      const anonRead = gw.db.transaction(async (tx) => {
        await tx.query(`select set_config('role', 'anon', true)`);
        await tx.query(`select id from oasis_events limit 1`);
      });
      await expect(anonRead).rejects.toMatchObject({ code: '42501' });
      expect(await countEvents(gw)).toBeGreaterThan(0);
    });
  });

  it('logs one line per request and never the token or the body', async () => {
    const marker = 'secret-body-marker-123';
    const from = gw.logs.length;
    await post(gw, { source: 's', kind: 'k', title: marker });
    await post(gw, { source: 's', kind: 'k', status: 'nope' });
    const lines = gw.logs.slice(from);
    expect(lines.filter((l) => l.path === '/events/ingest')).toHaveLength(2);
    const text = JSON.stringify(lines);
    expect(text).not.toContain(marker);
    expect(text).not.toContain(gw.serviceToken);
    expect(lines[1]).toMatchObject({ severity: 'WARNING', status: 400, errorCode: 'invalid_request' });
  });
});

describe.each(BACKENDS)('POST /events/ingest within its time budget on %s', (backend) => {
  let database: TestDatabase;
  let gw: TestGateway;
  beforeAll(async () => {
    database = await createTestDatabase(backend);
    gw = await startTestGateway({ database, env: { GITHUB_WEBHOOK_STORE_TIMEOUT_MS: '500' } });
  });
  afterAll(async () => {
    await gw.close();
    await database.drop();
  });

  it('a write stalled past the budget answers 503 store_timeout, and it never commits after the answer', async () => {
    const stall = await stallEventWrites(database);
    let res: Response;
    try {
      res = await post(gw, { source: 'agent.budget', kind: 'k', externalId: 'stalled-1' });
    } finally {
      await stall.release();
    }
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect((await json(res)).error).toMatchObject({ code: 'store_timeout' });
    // A later write commits after the point where the stalled one would have.
    expect((await post(gw, { source: 'agent.budget', kind: 'k', externalId: 'later-1' })).status).toBe(201);
    const { rows } = await gw.db.query<{ external_id: string }>(`select external_id from oasis_events where source = 'agent.budget'`);
    expect(rows.map((r) => r.external_id)).toEqual(['later-1']);
  });
});
