import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asRole } from '../../runtime/db/as-role.js';
import type { DbIdentity, Queryable } from '../../runtime/core/database.js';
import { allowedTransitions, LEDGER_STATUSES, type LedgerStatus } from '../../runtime/ledger/transitions.js';
import { BACKENDS } from '../helpers/db.js';
import { json, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { signToken, userToken } from '../helpers/tokens.js';
import { counts, createTask, ledgerEvents, newTask, patchTask } from './ledger.helpers.js';

/**
 * Tenancy and immutability of the VTID ledger, proven by rows: over HTTP and with raw SQL run as the
 * Supabase roles (as Supabase's REST API would run it). Also: every change and its OASIS event commit
 * in one transaction.
 */

const tenantA = { role: 'authenticated', sub: 'user-a', tenant: 'tenant-a' };
const tenantB = { role: 'authenticated', sub: 'user-b', tenant: 'tenant-b' };
const adminA = { role: 'authenticated', sub: 'admin-a', tenant: 'tenant-a', app_metadata: { role: 'admin' } };
const asUser = (claims: Record<string, unknown>): DbIdentity => ({ role: 'authenticated', claims });
const SERVICE: DbIdentity = { role: 'service_role', claims: { role: 'service_role' } };
const ANON: DbIdentity = { role: 'anon', claims: { role: 'anon' } };

describe.each(BACKENDS)('VTID ledger access rules on %s', (backend) => {
  let gw: TestGateway;
  let tokenA: string;
  let tokenB: string;
  beforeAll(async () => {
    gw = await startTestGateway({ backend });
    tokenA = await signToken(tenantA);
    tokenB = await signToken(tenantB);
  });
  afterAll(() => gw.close());

  const row = async (vtid: string) => (await gw.db.query(`select * from "VtidLedger" where vtid = $1`, [vtid])).rows[0];
  const sql = (identity: DbIdentity, text: string, params: unknown[] = []) =>
    asRole(gw.db, identity, (tx: Queryable) => tx.query(text, params));

  describe('over HTTP', () => {
    it('tenant A cannot update tenant B’s task: 403, row and events unchanged', async () => {
      const vtid = await newTask(gw, { description: 'owned by B' }, tokenB);
      const before = await row(vtid);
      const eventsBefore = await counts(gw.db);
      const res = await patchTask(gw, vtid, { status: 'active', description: 'hijacked' }, tokenA);
      expect(res.status).toBe(403);
      expect(await json(res)).toMatchObject({ error: { code: 'wrong_tenant', message: expect.stringContaining('tenant-b') } });
      expect(await row(vtid)).toEqual(before);
      expect(await counts(gw.db)).toEqual(eventsBefore);
      // …while B itself can.
      expect((await patchTask(gw, vtid, { status: 'active' }, tokenB)).status).toBe(200);
    });

    it.each([
      ['app_metadata.role = admin', { ...adminA }],
      ['is_admin: true', { ...tenantA, sub: 'admin-2', is_admin: true }],
    ])('an admin (%s) can update any tenant’s task; the event belongs to the task’s tenant and names the admin', async (_n, claims) => {
      const vtid = await newTask(gw, {}, tokenB);
      const res = await patchTask(gw, vtid, { status: 'active', metadata: { reviewedBy: 'admin' } }, await signToken(claims));
      expect(res.status).toBe(200);
      expect(await row(vtid)).toMatchObject({ status: 'active', tenant: 'tenant-b', metadata: { reviewedBy: 'admin' } });
      expect((await ledgerEvents(gw.db, vtid)).at(-1)).toMatchObject({ kind: 'vtid.status_changed', tenant: 'tenant-b', actor: claims.sub });
    });

    it('user_metadata (user-editable) grants nothing', async () => {
      const vtid = await newTask(gw, {}, tokenB);
      const sneaky = await signToken({ ...tenantA, user_metadata: { role: 'admin', is_admin: true }, app_metadata: { role: 'user' }, is_admin: 'true' });
      expect((await patchTask(gw, vtid, { status: 'active' }, sneaky)).status).toBe(403);
      expect(await row(vtid)).toMatchObject({ status: 'pending' });
    });

    it('an authenticated caller without a tenant can update nothing', async () => {
      const vtid = await newTask(gw, {}, tokenB);
      expect((await patchTask(gw, vtid, { status: 'active' }, await userToken({}))).status).toBe(403);
    });
  });

  describe('raw SQL as the Supabase roles', () => {
    it('tenant A’s UPDATE does not reach tenant B’s row; an admin’s does', async () => {
      const vtid = await newTask(gw, {}, tokenB);
      const refused = await sql(asUser(tenantA), `update "VtidLedger" set description = 'by A' where vtid = $1`, [vtid]);
      expect(refused.rowCount).toBe(0);
      expect(await row(vtid)).toMatchObject({ description: 'a task' });
      const everything = await sql(asUser(tenantA), `update "VtidLedger" set description = 'by A' where tenant = 'tenant-b'`);
      expect(everything.rowCount).toBe(0);
      const admin = await sql(asUser(adminA), `update "VtidLedger" set description = 'by admin' where vtid = $1`, [vtid]);
      expect(admin.rowCount).toBe(1);
      expect(await row(vtid)).toMatchObject({ description: 'by admin', tenant: 'tenant-b' });
      const own = await sql(asUser(tenantB), `update "VtidLedger" set description = 'by B' where vtid = $1`, [vtid]);
      expect(own.rowCount).toBe(1);
    });

    it('authenticated reads every tenant’s rows (transparency); anon reads nothing', async () => {
      const vtid = await newTask(gw, {}, tokenB);
      const read = await sql(asUser(tenantA), `select vtid from "VtidLedger" where vtid = $1`, [vtid]);
      expect(read.rows).toEqual([{ vtid }]);
      await expect(sql(ANON, `select vtid from "VtidLedger"`)).rejects.toMatchObject({ code: '42501' });
    });

    it('nobody deletes: not authenticated, not an admin, not service_role, not even the table owner', async () => {
      const vtid = await newTask(gw, {}, tokenA);
      const before = await counts(gw.db);
      for (const identity of [asUser(tenantA), asUser(adminA), SERVICE, ANON]) {
        await expect(sql(identity, `delete from "VtidLedger" where vtid = $1`, [vtid])).rejects.toMatchObject({ code: '42501' });
      }
      // gw.db is the superuser/owner connection: only the trigger stands in its way.
      await expect(gw.db.query(`delete from "VtidLedger" where vtid = $1`, [vtid])).rejects.toMatchObject({
        code: '42501',
        message: expect.stringContaining('append-only'),
      });
      await expect(gw.db.query(`delete from "VtidLedger" where false`)).rejects.toMatchObject({ code: '42501' });
      await expect(gw.db.query(`truncate "VtidLedger" cascade`)).rejects.toMatchObject({ code: '42501' });
      await expect(gw.db.query(`delete from "VtidLedgerCounter"`)).rejects.toMatchObject({ code: '42501' });
      await expect(sql(SERVICE, `truncate "VtidLedger"`)).rejects.toMatchObject({ code: '42501' });
      expect(await counts(gw.db)).toEqual(before);
      expect(await row(vtid)).toBeDefined();
    });

    it('an INSERT is numbered by the database; a chosen vtid, another tenant or a direct counter change is refused', async () => {
      const before = await counts(gw.db);
      const inserted = await sql(
        asUser(tenantA),
        `insert into "VtidLedger" ("taskFamily", "taskType", description, tenant) values ('sql', 'raw', 'via REST', 'tenant-a') returning vtid`,
      );
      const vtid = (inserted.rows[0] as { vtid: string }).vtid;
      expect(vtid).toMatch(/^VTID-\d{4}-\d{4,}$/);
      expect(Number(vtid.split('-')[2])).toBe(before.issued + 1);
      await expect(
        sql(asUser(tenantA), `insert into "VtidLedger" (vtid, "taskFamily", "taskType", description, tenant) values ('VTID-2026-9000', 'f', 't', 'd', 'tenant-a')`),
      ).rejects.toMatchObject({ code: '428C9' });
      await expect(
        sql(asUser(tenantA), `insert into "VtidLedger" ("taskFamily", "taskType", description, tenant) values ('f', 't', 'd', 'tenant-b')`),
      ).rejects.toMatchObject({ code: '42501' });
      for (const identity of [asUser(tenantA), asUser(adminA), ANON]) {
        await expect(sql(identity, `select * from "VtidLedgerCounter"`)).rejects.toMatchObject({ code: '42501' });
        await expect(sql(identity, `update "VtidLedgerCounter" set last = last + 100`)).rejects.toMatchObject({ code: '42501' });
      }
      await expect(sql(SERVICE, `update "VtidLedgerCounter" set last = last + 100`)).rejects.toMatchObject({ code: '42501' });
      // Only the one accepted insert used a number (raw SQL writes no OASIS event: that is the API's job).
      expect(await counts(gw.db)).toEqual({ ...before, ledger: before.ledger + 1, issued: before.issued + 1 });
    });

    it('a task’s identity never changes: vtid, tenant, parent and family are not the caller’s to edit', async () => {
      const parent = await newTask(gw, {}, tokenA);
      const vtid = await newTask(gw, { parentVtid: parent }, tokenA);
      const before = await row(vtid);
      for (const column of ['vtid', 'tenant', '"parentVtid"', '"taskFamily"', '"taskType"', '"createdAt"']) {
        await expect(sql(asUser(adminA), `update "VtidLedger" set ${column} = ${column} where vtid = $1`, [vtid])).rejects.toMatchObject({
          code: '42501',
        });
      }
      // service_role may edit taskFamily/taskType, but the trigger guards the identity columns.
      await expect(sql(SERVICE, `update "VtidLedger" set tenant = 'tenant-b' where vtid = $1`, [vtid])).rejects.toMatchObject({ code: '23514' });
      await expect(sql(SERVICE, `update "VtidLedger" set vtid = 'VTID-2026-8888' where vtid = $1`, [vtid])).rejects.toMatchObject({ code: '23514' });
      await expect(sql(SERVICE, `update "VtidLedger" set "parentVtid" = null where vtid = $1`, [vtid])).rejects.toMatchObject({ code: '23514' });
      expect(await row(vtid)).toEqual(before);
    });

    it('the status machine holds for raw SQL as authenticated: new tasks start pending, only allowed moves', async () => {
      await expect(
        sql(asUser(tenantA), `insert into "VtidLedger" ("taskFamily", "taskType", description, tenant, status) values ('f', 't', 'd', 'tenant-a', 'complete')`),
      ).rejects.toMatchObject({ code: '23514', message: expect.stringContaining('starts pending') });
      const vtid = await newTask(gw, {}, tokenA);
      await expect(sql(asUser(tenantA), `update "VtidLedger" set status = 'complete' where vtid = $1`, [vtid])).rejects.toMatchObject({
        code: '23514',
        message: expect.stringContaining('cannot move from pending to complete'),
      });
      expect(await row(vtid)).toMatchObject({ status: 'pending' });
      expect((await sql(asUser(tenantA), `update "VtidLedger" set status = 'active' where vtid = $1`, [vtid])).rowCount).toBe(1);
      expect((await sql(asUser(tenantA), `update "VtidLedger" set status = 'complete' where vtid = $1`, [vtid])).rowCount).toBe(1);
      await expect(sql(asUser(adminA), `update "VtidLedger" set status = 'pending' where vtid = $1`, [vtid])).rejects.toMatchObject({ code: '23514' });
      expect(await row(vtid)).toMatchObject({ status: 'complete' });
      // service_role is the platform's break-glass path and stays exempt.
      expect((await sql(SERVICE, `update "VtidLedger" set status = 'active' where vtid = $1`, [vtid])).rowCount).toBe(1);
    });

    it('the transition table in the database equals the one in runtime/ledger/transitions.ts', async () => {
      const { rows } = await gw.db.query<{ fromStatus: LedgerStatus; toStatus: LedgerStatus }>(`select "fromStatus", "toStatus" from "VtidLedgerTransition"`);
      const inDatabase = rows.map((r) => `${r.fromStatus}->${r.toStatus}`).sort();
      const inCode = LEDGER_STATUSES.flatMap((from) => allowedTransitions(from).map((to) => `${from}->${to}`)).sort();
      expect(inDatabase).toEqual(inCode);
    });
  });

  describe('the OASIS event commits with the change, in the same transaction', () => {
    const xmins = async (vtid: string) => {
      const ledger = await gw.db.query<{ x: string }>(`select xmin::text as x from "VtidLedger" where vtid = $1`, [vtid]);
      const events = await gw.db.query<{ x: string; kind: string }>(
        `select xmin::text as x, kind from oasis_events where source = 'vtid-ledger' and vtid = $1 order by id`,
        [vtid],
      );
      return { row: ledger.rows[0]!.x, events: events.rows };
    };

    it('create and update: the row version and its event share one transaction id', async () => {
      const vtid = await newTask(gw, {}, tokenA);
      const created = await xmins(vtid);
      expect(created.events).toEqual([{ x: created.row, kind: 'vtid.created' }]);
      await patchTask(gw, vtid, { status: 'active' }, tokenA);
      const moved = await xmins(vtid);
      expect(moved.events).toHaveLength(2);
      expect(moved.events[1]).toEqual({ x: moved.row, kind: 'vtid.status_changed' });
      expect(moved.row).not.toBe(created.row);
      await patchTask(gw, vtid, { metadata: { k: 1 } }, tokenA);
      const edited = await xmins(vtid);
      expect(edited.events[2]).toEqual({ x: edited.row, kind: 'vtid.updated' });
    });

    it('rejected requests produce no event', async () => {
      const vtid = await newTask(gw, {}, tokenB);
      const before = await counts(gw.db);
      expect((await patchTask(gw, vtid, { status: 'complete' }, tokenB)).status).toBe(409);
      expect((await patchTask(gw, vtid, { status: 'active' }, tokenA)).status).toBe(403);
      expect((await createTask(gw, { taskFamily: 'f', taskType: 't', description: 'd', parentVtid: 'VTID-2000-0001' })).status).toBe(422);
      expect((await createTask(gw, { taskFamily: 'f', taskType: 't', description: 'd', tenant: 'tenant-b' }, tokenA)).status).toBe(403);
      expect(await counts(gw.db)).toEqual(before);
    });

    it('when the event cannot be stored, the change is rolled back too (and no number is lost)', async () => {
      const vtid = await newTask(gw, {}, tokenA);
      const before = await counts(gw.db);
      const snapshot = await row(vtid);
      await gw.db.exec(`
        create function test_refuse_ledger_events() returns trigger language plpgsql as $$
        begin
          if new.source = 'vtid-ledger' then raise exception 'event store refuses'; end if;
          return new;
        end $$;
        create trigger test_refuse_ledger_events before insert on oasis_events
          for each row execute function test_refuse_ledger_events();`);
      try {
        const create = await createTask(gw, { taskFamily: 'f', taskType: 't', description: 'd' }, tokenA);
        expect(create.status).toBe(500);
        const update = await patchTask(gw, vtid, { status: 'active' }, tokenA);
        expect(update.status).toBe(500);
        expect(await counts(gw.db)).toEqual(before);
        expect(await row(vtid)).toEqual(snapshot);
      } finally {
        await gw.db.exec(`drop trigger test_refuse_ledger_events on oasis_events; drop function test_refuse_ledger_events();`);
      }
      const next = await newTask(gw, {}, tokenA);
      expect(Number(next.split('-')[2])).toBe(before.issued + 1);
    });

    it('each ledger event wakes the live feed (NOTIFY oasis_events with its transaction) at commit', async () => {
      const ids: string[] = [];
      let notified: () => void = () => {};
      const listener = await gw.db.listen('oasis_events', {
        onNotify: (payload) => {
          ids.push(payload);
          notified();
        },
      });
      try {
        const arrived = new Promise<void>((resolve) => (notified = resolve));
        const vtid = await newTask(gw, {}, tokenA);
        await arrived;
        const { rows } = await gw.db.query<{ txid: string }>(`select txid::text as txid from oasis_events where vtid = $1 and kind = 'vtid.created'`, [vtid]);
        expect(ids).toContain(rows[0]!.txid);
      } finally {
        await listener.close();
      }
    });

    it('the lifecycle appears in the OASIS query API, for the task’s tenant', async () => {
      const vtid = await newTask(gw, {}, tokenA);
      await patchTask(gw, vtid, { status: 'active' }, tokenA);
      await patchTask(gw, vtid, { status: 'complete' }, tokenA);
      const mine = await json(await gw.request(`/api/v1/oasis/events?vtid=${vtid}`, { token: tokenA }));
      expect(mine.data.map((e: { kind: string; status: string }) => [e.kind, e.status])).toEqual([
        ['vtid.status_changed', 'success'],
        ['vtid.status_changed', 'in_progress'],
        ['vtid.created', 'queued'],
      ]);
      expect(mine.data[0]).toMatchObject({ source: 'vtid-ledger', vtid, tenant: 'tenant-a', actor: 'user-a' });
      // Events stay tenant-scoped (the event table's own policy): B does not see A's lifecycle.
      const theirs = await json(await gw.request(`/api/v1/oasis/events?vtid=${vtid}`, { token: tokenB }));
      expect(theirs.data).toEqual([]);
    });
  });
});
