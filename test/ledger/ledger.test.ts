import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatLedgerVtid } from '@vitana/vtid';
import type { LedgerStatus } from '../../runtime/ledger/transitions.js';
import { BACKENDS, createTestDatabase } from '../helpers/db.js';
import { json, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { serviceToken, signToken, userToken } from '../helpers/tokens.js';
import { ALLOWED_MOVES, counts, createTask, jsonHeaders, ledgerEvents, movableClock, newTask, patchTask } from './ledger.helpers.js';

/** The VTID ledger API over real HTTP, on PGlite and (with TEST_DATABASE_URL) on PostgreSQL. */

const YEAR = 2026;
const vtidOf = (sequence: number) => formatLedgerVtid(YEAR, sequence);
/** `[[[…]]]`, `depth` arrays deep. */
const nested = (depth: number): unknown => Array.from({ length: depth }).reduce<unknown>((inner) => [inner], 'leaf');

describe.each(BACKENDS)('VTID ledger API on %s', (backend) => {
  let gw: TestGateway;
  const time = movableClock(`${YEAR}-06-15T12:00:00.000Z`);
  beforeAll(async () => {
    gw = await startTestGateway({ backend, clock: time.clock });
  });
  afterAll(() => gw.close());

  describe('POST /vtid/create', () => {
    it('registers a task: 201 with the vtid and the stored row, numbered from 0001', async () => {
      const before = await counts(gw.db);
      const res = await createTask(gw, {
        taskFamily: 'deploy',
        taskType: 'cloud-run',
        description: 'Deploy the gateway',
        assignedTo: 'deployer-bot',
        metadata: { service: 'gateway', attempt: 1 },
      });
      expect(res.status).toBe(201);
      const out = await json(res);
      const vtid = vtidOf(before.issued + 1);
      expect(out).toEqual({
        ok: true,
        vtid,
        data: {
          id: expect.any(Number),
          vtid,
          taskFamily: 'deploy',
          taskType: 'cloud-run',
          description: 'Deploy the gateway',
          status: 'pending',
          assignedTo: 'deployer-bot',
          tenant: 'system',
          parentVtid: null,
          metadata: { service: 'gateway', attempt: 1 },
          createdAt: `${YEAR}-06-15T12:00:00.000Z`,
          updatedAt: `${YEAR}-06-15T12:00:00.000Z`,
        },
      });
      const { rows } = await gw.db.query(`select vtid, "taskFamily", tenant, status, metadata from "VtidLedger" where vtid = $1`, [vtid]);
      expect(rows).toEqual([{ vtid, taskFamily: 'deploy', tenant: 'system', status: 'pending', metadata: { service: 'gateway', attempt: 1 } }]);
      expect(await ledgerEvents(gw.db, vtid)).toEqual([
        {
          kind: 'vtid.created',
          vtid,
          tenant: 'system',
          actor: 'test-service',
          status: 'queued',
          metadata: { oldStatus: null, newStatus: 'pending', taskFamily: 'deploy', taskType: 'cloud-run', parentVtid: null, assignedTo: 'deployer-bot' },
        },
      ]);
    });

    it("defaults the tenant to an authenticated caller's own", async () => {
      const token = await userToken({ tenant: 'tenant-a', tenantInAppMetadata: true, sub: 'user-a' });
      const out = await json(await createTask(gw, { taskFamily: 'f', taskType: 't', description: 'mine' }, token));
      expect(out.data.tenant).toBe('tenant-a');
      expect(await ledgerEvents(gw.db, out.vtid)).toMatchObject([{ kind: 'vtid.created', tenant: 'tenant-a', actor: 'user-a' }]);
    });

    it('numbers consecutively', async () => {
      const a = await newTask(gw);
      const b = await newTask(gw);
      const c = await newTask(gw);
      const sequences = [a, b, c].map((id) => Number(id.split('-')[2]));
      expect(sequences).toEqual([sequences[0], sequences[0]! + 1, sequences[0]! + 2]);
    });

    describe('rejects bad input with 400 naming the fields, writing nothing and using no number', () => {
      const cases: Array<[string, unknown, RegExp]> = [
        ['missing fields', {}, /taskFamily.*taskType.*description/],
        ['empty description', { taskFamily: 'f', taskType: 't', description: '  ' }, /description/],
        ['wrong types', { taskFamily: 1, taskType: 't', description: 'd' }, /taskFamily/],
        ['too long family', { taskFamily: 'x'.repeat(101), taskType: 't', description: 'd' }, /taskFamily/],
        ['malformed parent', { taskFamily: 'f', taskType: 't', description: 'd', parentVtid: 'DEV-CICDL-0031' }, /parentVtid/],
        ['metadata not an object', { taskFamily: 'f', taskType: 't', description: 'd', metadata: [1] }, /metadata/],
        ['client-chosen vtid', { taskFamily: 'f', taskType: 't', description: 'd', vtid: 'VTID-2026-0500' }, /vtid/],
        ['client-chosen status', { taskFamily: 'f', taskType: 't', description: 'd', status: 'active' }, /status/],
        ['not an object', [1, 2], /expected object/i],
        // What PostgreSQL cannot store is the client's error (400), never a 500 from the INSERT.
        ['NUL in a text field', { taskFamily: 'f', taskType: 't', description: 'a\u0000b' }, /description: must not contain NUL/],
        ['NUL in metadata', { taskFamily: 'f', taskType: 't', description: 'd', metadata: { note: 'x\u0000' } }, /metadata\.note: must not contain NUL/],
        ['unpaired surrogate in metadata', { taskFamily: 'f', taskType: 't', description: 'd', metadata: { note: '\ud800' } }, /metadata\.note/],
        ['metadata nested too deep', { taskFamily: 'f', taskType: 't', description: 'd', metadata: { deep: nested(200) } }, /metadata\.deep.*nest deeper/],
      ];
      it.each(cases)('%s', async (_name, body, message) => {
        const before = await counts(gw.db);
        const res = await createTask(gw, body);
        expect(res.status).toBe(400);
        const out = await json(res);
        expect(out).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
        expect(out.error.message).toMatch(message);
        expect(await counts(gw.db)).toEqual(before);
      });

      it('non-JSON body', async () => {
        const before = await counts(gw.db);
        const res = await gw.request('/vtid/create', { method: 'POST', headers: jsonHeaders, body: '{"taskFamily":' });
        expect(res.status).toBe(400);
        expect((await json(res)).error.code).toBe('invalid_json');
        expect(await counts(gw.db)).toEqual(before);
      });
    });

    it('answers 401 without a token and 403 for a role we do not serve, writing nothing', async () => {
      const before = await counts(gw.db);
      const body = { taskFamily: 'f', taskType: 't', description: 'd' };
      const none = await createTask(gw, body, null);
      expect(none.status).toBe(401);
      expect((await json(none)).error.code).toBe('unauthenticated');
      const anon = await createTask(gw, body, await signToken({ role: 'anon' }));
      expect(anon.status).toBe(403);
      expect((await json(anon)).error.code).toBe('forbidden_role');
      expect(await counts(gw.db)).toEqual(before);
    });

    it('refuses an authenticated caller creating for another tenant: 403, no row, no event, no number used', async () => {
      const token = await userToken({ tenant: 'tenant-a' });
      const before = await counts(gw.db);
      const res = await createTask(gw, { taskFamily: 'f', taskType: 't', description: 'd', tenant: 'tenant-b' }, token);
      expect(res.status).toBe(403);
      expect((await json(res)).error.code).toBe('wrong_tenant');
      expect(await counts(gw.db)).toEqual(before);
      // An admin claim does not widen creation: admins may update any tenant's rows, not create them.
      const admin = await userToken({ tenant: 'tenant-a', admin: true });
      expect((await createTask(gw, { taskFamily: 'f', taskType: 't', description: 'd', tenant: 'tenant-b' }, admin)).status).toBe(403);
      // A caller without a tenant has none to create for.
      expect((await createTask(gw, { taskFamily: 'f', taskType: 't', description: 'd' }, await userToken({}))).status).toBe(403);
      expect(await counts(gw.db)).toEqual(before);
      // The refused inserts bumped the counter inside their transactions; the rollbacks undid it.
      expect(await newTask(gw)).toBe(vtidOf(before.issued + 1));
    });

    it('answers 422 for an unknown parent, writing nothing', async () => {
      const before = await counts(gw.db);
      const res = await createTask(gw, { taskFamily: 'f', taskType: 't', description: 'd', parentVtid: 'VTID-1999-0001' });
      expect(res.status).toBe(422);
      expect(await json(res)).toEqual({ ok: false, error: { code: 'unknown_parent', message: 'parentVtid VTID-1999-0001 is not in the ledger' } });
      expect(await counts(gw.db)).toEqual(before);
    });
  });

  describe('GET /vtid/:vtid', () => {
    it('returns the task (200), accepting the id in any case', async () => {
      const vtid = await newTask(gw, { description: 'look me up' });
      for (const id of [vtid, vtid.toLowerCase()]) {
        const res = await gw.request(`/vtid/${id}`);
        expect(res.status).toBe(200);
        expect(await json(res)).toMatchObject({ ok: true, vtid, data: { vtid, description: 'look me up' } });
      }
    });

    it('404 for an id not in the ledger, 400 for a malformed one', async () => {
      const missing = await gw.request('/vtid/VTID-2026-9990');
      expect(missing.status).toBe(404);
      expect((await json(missing)).error.code).toBe('vtid_not_found');
      for (const bad of ['VTID-26-0001', 'DEV-CICDL-0031', 'VTID-2026-001', 'hello']) {
        const res = await gw.request(`/vtid/${bad}`);
        expect(res.status, bad).toBe(400);
        expect((await json(res)).error.code).toBe('invalid_request');
      }
    });

    it('?include=children adds the direct subtasks, oldest first, not grandchildren', async () => {
      const parent = await newTask(gw, { description: 'parent' });
      const first = await newTask(gw, { parentVtid: parent, description: 'child 1' });
      const second = await newTask(gw, { parentVtid: parent.toLowerCase(), description: 'child 2' });
      const grandchild = await newTask(gw, { parentVtid: first, description: 'grandchild' });
      const plain = await json(await gw.request(`/vtid/${parent}`));
      expect(plain.data.children).toBeUndefined();
      const out = await json(await gw.request(`/vtid/${parent}?include=children`));
      expect(out.data.children.map((c: { vtid: string }) => c.vtid)).toEqual([first, second]);
      expect(out.data.children[0]).toMatchObject({ parentVtid: parent, description: 'child 1' });
      expect(out.data.moreChildren).toBe(false);
      const leaf = await json(await gw.request(`/vtid/${grandchild}?include=children`));
      expect(leaf.data).toMatchObject({ parentVtid: first, children: [] });
      expect((await gw.request(`/vtid/${parent}?include=everything`)).status).toBe(400);
    });

    it('requires a token (401) unless public read is on', async () => {
      const vtid = await newTask(gw);
      expect((await gw.request(`/vtid/${vtid}`, { token: null })).status).toBe(401);
      // Every authenticated caller may read every tenant's tasks (transparency).
      const other = await userToken({ tenant: 'someone-else' });
      expect((await gw.request(`/vtid/${vtid}`, { token: other })).status).toBe(200);
      expect((await gw.request(`/vtid/${vtid}?access_token=${other}`, { token: null })).status).toBe(200);
    });
  });

  describe('PATCH /vtid/:vtid', () => {
    // How to bring a fresh (pending) task into each status.
    const PATH_TO: Record<LedgerStatus, LedgerStatus[]> = {
      pending: [],
      active: ['active'],
      blocked: ['active', 'blocked'],
      complete: ['active', 'complete'],
      cancelled: ['cancelled'],
    };
    async function taskIn(status: LedgerStatus): Promise<string> {
      const vtid = await newTask(gw);
      for (const step of PATH_TO[status]) expect((await patchTask(gw, vtid, { status: step })).status).toBe(200);
      return vtid;
    }

    const REFUSED: Array<[LedgerStatus, LedgerStatus]> = [
      ['pending', 'blocked'],
      ['pending', 'complete'],
      ['active', 'pending'],
      ['blocked', 'pending'],
      ['blocked', 'complete'],
      ['complete', 'pending'],
      ['complete', 'active'],
      ['complete', 'blocked'],
      ['complete', 'cancelled'],
      ['cancelled', 'pending'],
      ['cancelled', 'active'],
      ['cancelled', 'blocked'],
      ['cancelled', 'complete'],
    ];

    it.each(ALLOWED_MOVES)('%s -> %s: 200, stored, one vtid.status_changed event', async (from, to) => {
      const vtid = await taskIn(from);
      const eventsBefore = (await ledgerEvents(gw.db, vtid)).length;
      const res = await patchTask(gw, vtid, { status: to });
      expect(res.status).toBe(200);
      expect(await json(res)).toMatchObject({ ok: true, vtid, data: { vtid, status: to } });
      const { rows } = await gw.db.query(`select status from "VtidLedger" where vtid = $1`, [vtid]);
      expect(rows).toEqual([{ status: to }]);
      const events = await ledgerEvents(gw.db, vtid);
      expect(events).toHaveLength(eventsBefore + 1);
      expect(events.at(-1)).toMatchObject({
        kind: 'vtid.status_changed',
        actor: 'test-service',
        metadata: { oldStatus: from, newStatus: to, changed: ['status'] },
      });
    });

    it.each(REFUSED)('%s -> %s: 409 naming the current status, nothing written', async (from, to) => {
      const vtid = await taskIn(from);
      const before = await counts(gw.db);
      const { rows: rowBefore } = await gw.db.query(`select * from "VtidLedger" where vtid = $1`, [vtid]);
      const res = await patchTask(gw, vtid, { status: to, description: 'should not stick' });
      expect(res.status).toBe(409);
      const out = await json(res);
      expect(out.error.code).toBe('invalid_transition');
      expect(out.error.message).toContain(`${vtid} is ${from}`);
      const { rows: rowAfter } = await gw.db.query(`select * from "VtidLedger" where vtid = $1`, [vtid]);
      expect(rowAfter).toEqual(rowBefore);
      expect(await counts(gw.db)).toEqual(before);
    });

    it('merges metadata instead of replacing it, and edits assignee and description (one vtid.updated each)', async () => {
      const vtid = await newTask(gw, { metadata: { keep: 'me', count: 1, nested: { a: 1 } }, assignedTo: 'bot-1' });
      const res = await patchTask(gw, vtid, { metadata: { count: 2, nested: { b: 2 }, added: true } });
      expect(res.status).toBe(200);
      expect((await json(res)).data.metadata).toEqual({ keep: 'me', count: 2, nested: { b: 2 }, added: true });
      const second = await json(await patchTask(gw, vtid, { assignedTo: null, description: 'reworded', metadata: { more: 'x' } }));
      expect(second.data).toMatchObject({
        assignedTo: null,
        description: 'reworded',
        status: 'pending',
        metadata: { keep: 'me', count: 2, nested: { b: 2 }, added: true, more: 'x' },
      });
      const { rows } = await gw.db.query(`select metadata, "assignedTo" from "VtidLedger" where vtid = $1`, [vtid]);
      expect(rows[0]).toEqual({ metadata: second.data.metadata, assignedTo: null });
      const events = await ledgerEvents(gw.db, vtid);
      expect(events.map((e) => [e.kind, e.metadata.changed])).toEqual([
        ['vtid.created', undefined],
        ['vtid.updated', ['metadata']],
        ['vtid.updated', ['assignedTo', 'description', 'metadata']],
      ]);
    });

    it('status and other fields in one PATCH: one vtid.status_changed listing all changes', async () => {
      const vtid = await newTask(gw);
      const out = await json(await patchTask(gw, vtid, { status: 'active', assignedTo: 'bot-2', metadata: { step: 1 } }));
      expect(out.data).toMatchObject({ status: 'active', assignedTo: 'bot-2', metadata: { step: 1 } });
      expect((await ledgerEvents(gw.db, vtid)).at(-1)).toMatchObject({
        kind: 'vtid.status_changed',
        status: 'in_progress',
        metadata: { oldStatus: 'pending', newStatus: 'active', changed: ['status', 'assignedTo', 'metadata'] },
      });
    });

    it('a PATCH that changes nothing answers 200 with the row and writes nothing (safe to retry)', async () => {
      const vtid = await newTask(gw, { metadata: { a: 1 } });
      await patchTask(gw, vtid, { status: 'active' });
      const before = await counts(gw.db);
      const { rows: rowBefore } = await gw.db.query(`select * from "VtidLedger" where vtid = $1`, [vtid]);
      const res = await patchTask(gw, vtid, { status: 'active', metadata: { a: 1 } });
      expect(res.status).toBe(200);
      expect((await json(res)).data).toMatchObject({ status: 'active', metadata: { a: 1 } });
      const { rows: rowAfter } = await gw.db.query(`select * from "VtidLedger" where vtid = $1`, [vtid]);
      expect(rowAfter).toEqual(rowBefore);
      expect(await counts(gw.db)).toEqual(before);
    });

    it('moves updatedAt forward and keeps createdAt', async () => {
      const vtid = await newTask(gw);
      const { rows: before } = await gw.db.query<{ createdAt: Date; updatedAt: Date }>(`select "createdAt", "updatedAt" from "VtidLedger" where vtid = $1`, [vtid]);
      await gw.db.query(`select pg_sleep(0.01)`);
      const out = await json(await patchTask(gw, vtid, { description: 'later' }));
      expect(out.data.createdAt).toBe(new Date(before[0]!.createdAt).toISOString());
      expect(out.data.updatedAt).not.toBe(new Date(before[0]!.updatedAt).toISOString());
    });

    describe('bad input: 4xx, nothing written', () => {
      const cases: Array<[string, string, unknown, number, string]> = [
        ['empty body', 'VALID', {}, 400, 'invalid_request'],
        ['unknown field', 'VALID', { tenant: 'x' }, 400, 'invalid_request'],
        ['unknown status', 'VALID', { status: 'done' }, 400, 'invalid_request'],
        ['metadata not an object', 'VALID', { metadata: 'x' }, 400, 'invalid_request'],
        ['empty description', 'VALID', { description: '' }, 400, 'invalid_request'],
        ['NUL in description', 'VALID', { description: 'a\u0000b' }, 400, 'invalid_request'],
        ['NUL in metadata', 'VALID', { metadata: { k: '\u0000' } }, 400, 'invalid_request'],
        ['metadata nested too deep', 'VALID', { metadata: { deep: nested(200) } }, 400, 'invalid_request'],
        ['malformed id', 'VTID-2026-1', { status: 'active' }, 400, 'invalid_request'],
        ['unknown id', 'VTID-2026-9991', { status: 'active' }, 404, 'vtid_not_found'],
      ];
      it.each(cases)('%s', async (_name, id, body, status, code) => {
        const vtid = id === 'VALID' ? await newTask(gw) : id;
        const before = await counts(gw.db);
        const res = await patchTask(gw, vtid, body);
        expect(res.status).toBe(status);
        expect((await json(res)).error.code).toBe(code);
        expect(await counts(gw.db)).toEqual(before);
      });

      it('no token: 401', async () => {
        const vtid = await newTask(gw);
        const before = await counts(gw.db);
        expect((await patchTask(gw, vtid, { status: 'active' }, null)).status).toBe(401);
        expect(await counts(gw.db)).toEqual(before);
      });
    });

    it('logs a refused PATCH once, with its error code', async () => {
      const vtid = await taskIn('complete');
      const from = gw.logs.length;
      await patchTask(gw, vtid, { status: 'pending' });
      const lines = gw.logs.slice(from);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ severity: 'WARNING', status: 409, errorCode: 'invalid_transition', vtid });
      expect(JSON.stringify(lines)).not.toContain(gw.serviceToken);
    });
  });

  describe('create and PATCH: content type, body size and bad tokens', () => {
    it.each([
      ['POST /vtid/create', 'POST', () => Promise.resolve('create')],
      ['PATCH /vtid/:vtid', 'PATCH', () => newTask(gw)],
    ] as const)('%s: 415 for a non-JSON body, 413 over the cap, 401 for a bad token; nothing written', async (_name, method, target) => {
      const path = `/vtid/${await target()}`;
      const before = await counts(gw.db);
      const send = (body: string, headers: Record<string, string>, token?: string) => gw.request(path, { method, headers, body, token });
      const text = await send('status=active', { 'content-type': 'text/plain' });
      expect(text.status).toBe(415);
      expect((await json(text)).error.code).toBe('unsupported_media_type');
      const big = await send(JSON.stringify({ taskFamily: 'f', taskType: 't', description: 'd', metadata: { blob: 'x'.repeat(gw.config.ingestMaxBytes) } }), jsonHeaders);
      expect(big.status).toBe(413);
      expect((await json(big)).error.code).toBe('payload_too_large');
      for (const token of ['not-a-jwt', await serviceToken('another-secret-that-is-at-least-32-characters')]) {
        const res = await send(JSON.stringify({ taskFamily: 'f', taskType: 't', description: 'd', status: 'active' }), jsonHeaders, token);
        expect(res.status).toBe(401);
        expect((await json(res)).error.code).toBe('invalid_token');
      }
      expect(await counts(gw.db)).toEqual(before);
    });
  });

  describe('GET /vtid/list', () => {
    let family: string;
    let ids: string[];
    beforeAll(async () => {
      family = `list-${backend}`;
      ids = [];
      for (let i = 0; i < 5; i += 1) ids.push(await newTask(gw, { taskFamily: family, description: `item ${i}` }));
      await patchTask(gw, ids[1]!, { status: 'active' });
      await patchTask(gw, ids[3]!, { status: 'cancelled' });
    });

    it('lists newest first with filters', async () => {
      const out = await json(await gw.request(`/vtid/list?taskFamily=${family}`));
      expect(out.ok).toBe(true);
      expect(out.data.map((e: { vtid: string }) => e.vtid)).toEqual([...ids].reverse());
      expect(out.nextCursor).toBeNull();
      const active = await json(await gw.request(`/vtid/list?taskFamily=${family}&status=active`));
      expect(active.data.map((e: { vtid: string }) => e.vtid)).toEqual([ids[1]]);
    });

    it('pages with nextCursor until the end', async () => {
      const seen: string[] = [];
      let cursor: number | null = null;
      let pages = 0;
      do {
        const query: string = `/vtid/list?taskFamily=${family}&limit=2${cursor ? `&before=${cursor}` : ''}`;
        const out = await json(await gw.request(query));
        seen.push(...out.data.map((e: { vtid: string }) => e.vtid));
        cursor = out.nextCursor;
        pages += 1;
      } while (cursor !== null && pages < 10);
      expect(seen).toEqual([...ids].reverse());
      expect(pages).toBe(3);
    });

    it('filters by tenant and parentVtid', async () => {
      const token = await userToken({ tenant: `list-tenant-${backend}` });
      const parent = await newTask(gw, {}, token);
      const child = await newTask(gw, { parentVtid: parent }, token);
      const byTenant = await json(await gw.request(`/vtid/list?tenant=list-tenant-${backend}`));
      expect(byTenant.data.map((e: { vtid: string }) => e.vtid)).toEqual([child, parent]);
      const byParent = await json(await gw.request(`/vtid/list?parentVtid=${parent.toLowerCase()}`));
      expect(byParent.data.map((e: { vtid: string }) => e.vtid)).toEqual([child]);
      // Reads are transparent: another tenant sees them too.
      const other = await json(await gw.request(`/vtid/list?tenant=list-tenant-${backend}`, { token: await userToken({ tenant: 'x' }) }));
      expect(other.data).toHaveLength(2);
    });

    it.each([
      ['limit=0', 'limit'],
      ['limit=1001', 'limit'],
      ['limit=abc', 'limit'],
      ['status=done', 'status'],
      ['parentVtid=nope', 'parentVtid'],
      ['before=0', 'before'],
      ['taskFamily=a%00b', 'taskFamily'],
      ['tenant=%00', 'tenant'],
    ])('400 for %s', async (query, field) => {
      const res = await gw.request(`/vtid/list?${query}`);
      expect(res.status).toBe(400);
      expect((await json(res)).error.message).toContain(field);
    });

    it('accepts limit 1 and 1000', async () => {
      expect((await json(await gw.request('/vtid/list?limit=1'))).data).toHaveLength(1);
      expect((await gw.request('/vtid/list?limit=1000')).status).toBe(200);
    });

    it('requires a token', async () => {
      expect((await gw.request('/vtid/list', { token: null })).status).toBe(401);
    });
  });

  describe('routes', () => {
    it('/vtid/list and /vtid/health are not taken for /vtid/:vtid', async () => {
      const list = await gw.request('/vtid/list');
      expect(list.status).toBe(200);
      expect(Array.isArray((await json(list)).data)).toBe(true);
      const health = await gw.request('/vtid/health');
      expect(health.status).toBe(200);
      const body = await json(health);
      expect(body).toEqual({ ok: true, service: 'vtid-ledger', year: YEAR, issuedThisYear: expect.any(Number) });
      const { rows } = await gw.db.query<{ last: number }>(`select last::int from "VtidLedgerCounter" where year = $1`, [YEAR]);
      expect(body.issuedThisYear).toBe(rows[0]!.last);
    });

    it('DELETE answers 405 with an Allow header and deletes nothing', async () => {
      const vtid = await newTask(gw);
      const before = await counts(gw.db);
      for (const token of [gw.serviceToken, null]) {
        const res = await gw.request(`/vtid/${vtid}`, { method: 'DELETE', token });
        expect(res.status).toBe(405);
        expect(res.headers.get('allow')).toBe('GET, PATCH');
        expect(await json(res)).toMatchObject({ ok: false, error: { code: 'method_not_allowed' } });
      }
      expect(await counts(gw.db)).toEqual(before);
      expect((await gw.request(`/vtid/${vtid}`)).status).toBe(200);
    });

    it('the OpenAPI document describes every ledger route', async () => {
      const doc = await json(await gw.request('/openapi.json'));
      expect(Object.keys(doc.paths).filter((p) => p.startsWith('/vtid')).sort()).toEqual(['/vtid/create', '/vtid/health', '/vtid/list', '/vtid/{vtid}', '/vtid/{vtid}/timeline']);
      expect(Object.keys(doc.paths['/vtid/{vtid}']).sort()).toEqual(['get', 'patch']);
    });
  });

  describe('numbering', () => {
    it('grows past 9999 to five digits', async () => {
      const year = 2031;
      await gw.db.query(`insert into "VtidLedgerCounter" (year, last) values ($1, 9998)`, [year]);
      time.set(`${year}-03-01T00:00:00.000Z`);
      try {
        const a = await newTask(gw);
        const b = await newTask(gw);
        expect([a, b]).toEqual(['VTID-2031-9999', 'VTID-2031-10000']);
        expect([a, b]).toEqual([formatLedgerVtid(year, 9999), formatLedgerVtid(year, 10000)]);
        expect((await gw.request('/vtid/VTID-2031-10000')).status).toBe(200);
        const list = await json(await gw.request('/vtid/list?limit=2'));
        expect(list.data.map((e: { vtid: string }) => e.vtid)).toEqual([b, a]);
      } finally {
        time.set(`${YEAR}-06-15T12:00:00.000Z`);
      }
    });
  });
});

describe('GET /vtid/health when the database is down', () => {
  it('answers 503 database_unavailable with Retry-After', async () => {
    const database = await createTestDatabase('pglite');
    const gw = await startTestGateway({ database });
    try {
      expect((await gw.request('/vtid/health', { token: null })).status).toBe(200);
      await database.db.close();
      const res = await gw.request('/vtid/health', { token: null });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(await json(res)).toEqual({ ok: false, error: { code: 'database_unavailable', message: expect.any(String) } });
    } finally {
      await gw.close();
    }
  });
});

describe.each(BACKENDS)('VTID year rollover on %s', (backend) => {
  it('restarts at 0001 in the new UTC year, and each year keeps its own sequence', async () => {
    const time = movableClock('2027-12-31T23:59:59.998Z');
    const gw = await startTestGateway({ backend, clock: time.clock });
    try {
      expect(await newTask(gw)).toBe('VTID-2027-0001');
      expect(await newTask(gw)).toBe('VTID-2027-0002');
      expect(await json(await gw.request('/vtid/health'))).toMatchObject({ year: 2027, issuedThisYear: 2 });
      time.set('2028-01-01T00:00:00.000Z');
      expect(await newTask(gw)).toBe('VTID-2028-0001');
      expect(await json(await gw.request('/vtid/health'))).toMatchObject({ year: 2028, issuedThisYear: 1 });
      // A late task stamped in the old year continues that year's sequence.
      time.set('2027-12-31T23:59:59.999Z');
      expect(await newTask(gw)).toBe('VTID-2027-0003');
      time.set('2028-01-01T07:59:59+08:00'); // still 2027 in UTC
      expect(await newTask(gw)).toBe('VTID-2027-0004');
      const { rows } = await gw.db.query(`select year, last from "VtidLedgerCounter" order by year`);
      expect(rows.map((r) => [Number(r.year), Number(r.last)])).toEqual([
        [2027, 4],
        [2028, 1],
      ]);
    } finally {
      await gw.close();
    }
  });
});
