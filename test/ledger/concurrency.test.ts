import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { formatLedgerVtid, parseLedgerVtid } from '@vitana/vtid';
import { createPgDatabaseUrl, HAS_PG } from '../helpers/db.js';
import { json, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { spawnGateway, type GatewayProcess } from '../helpers/process.js';
import { serviceToken, userToken } from '../helpers/tokens.js';
import { counts, jsonHeaders, newTask, patchTask } from './ledger.helpers.js';

/**
 * Numbering and updates under real concurrency: PostgreSQL only (PGlite is one connection, so it
 * serializes everything and would prove nothing).
 */

const N = 500;
const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

function createBody(i: number) {
  return JSON.stringify({ taskFamily: 'load', taskType: 'concurrent', description: `task ${i}` });
}

async function createOver(url: string, token: string, i: number): Promise<{ status: number; vtid: string }> {
  const res = await fetch(`${url}/vtid/create`, {
    method: 'POST',
    headers: { ...jsonHeaders, authorization: `Bearer ${token}` },
    body: createBody(i),
  });
  const out = await json(res);
  return { status: res.status, vtid: out.vtid as string };
}

describe.skipIf(!HAS_PG)('VTID numbering under concurrency (PostgreSQL)', () => {
  describe('one gateway', () => {
    let gw: TestGateway;
    beforeAll(async () => {
      // Every create waits its turn on the year's counter row; on a busy two-core machine the last of
      // 500 may queue for a pooled connection longer than the default, which is not what this tests.
      gw = await startTestGateway({ backend: 'pg', clock: () => new Date('2026-05-05T05:05:05.000Z'), env: { DATABASE_ACQUIRE_TIMEOUT_MS: '120000' } });
    });
    afterAll(() => gw.close());

    it(`${N} concurrent creates over HTTP get ${N} distinct ids, 0001 to ${String(N).padStart(4, '0')}, no gap`, async () => {
      const results = await Promise.all(range(N).map((i) => createOver(gw.url, gw.serviceToken, i)));
      expect(results.filter((r) => r.status !== 201)).toEqual([]);
      const ids = results.map((r) => r.vtid);
      expect(new Set(ids).size).toBe(N);
      expect([...ids].sort()).toEqual(range(N).map((i) => formatLedgerVtid(2026, i)));
      expect(await counts(gw.db)).toEqual({ ledger: N, events: N, issued: N });
      // Each id has exactly its own created event.
      const { rows } = await gw.db.query<{ n: number }>(
        `select count(*)::int as n from "VtidLedger" l join oasis_events e on e.vtid = l.vtid and e.kind = 'vtid.created'`,
      );
      expect(rows[0]!.n).toBe(N);
    });

    it('creates refused amid a concurrent burst (another tenant, an unknown parent) burn no number: the others stay gapless', async () => {
      const before = await counts(gw.db);
      const tokenA = await userToken({ tenant: 'tenant-a' });
      const bodies = range(30).map((i) =>
        i % 10 === 3
          ? { taskFamily: 'load', taskType: 'mixed', description: `foreign ${i}`, tenant: 'tenant-b' }
          : i % 10 === 7
            ? { taskFamily: 'load', taskType: 'mixed', description: `orphan ${i}`, parentVtid: 'VTID-1999-0001' }
            : { taskFamily: 'load', taskType: 'mixed', description: `task ${i}` },
      );
      const results = await Promise.all(
        bodies.map(async (body) => {
          const res = await fetch(`${gw.url}/vtid/create`, { method: 'POST', headers: { ...jsonHeaders, authorization: `Bearer ${tokenA}` }, body: JSON.stringify(body) });
          return { status: res.status, vtid: (await json(res)).vtid as string | undefined };
        }),
      );
      expect(results.filter((r) => r.status === 403)).toHaveLength(3);
      expect(results.filter((r) => r.status === 422)).toHaveLength(3);
      const created = results.filter((r) => r.status === 201).map((r) => parseLedgerVtid(r.vtid!)!.sequence);
      expect(created.sort((x, y) => x - y)).toEqual(range(24).map((i) => before.issued + i));
      expect(await counts(gw.db)).toEqual({ ledger: before.ledger + 24, events: before.events + 24, issued: before.issued + 24 });
    });

    it('concurrent metadata merges on one task all survive (the row lock serializes them)', async () => {
      const vtid = await newTask(gw, { metadata: { base: true } });
      const statuses = await Promise.all(range(40).map((i) => patchTask(gw, vtid, { metadata: { [`k${i}`]: i } }).then((r) => r.status)));
      expect(statuses.every((s) => s === 200)).toBe(true);
      const { rows } = await gw.db.query<{ metadata: Record<string, unknown> }>(`select metadata from "VtidLedger" where vtid = $1`, [vtid]);
      expect(rows[0]!.metadata).toEqual({ base: true, ...Object.fromEntries(range(40).map((i) => [`k${i}`, i])) });
      const events = await gw.db.query<{ n: number }>(`select count(*)::int as n from oasis_events where vtid = $1 and kind = 'vtid.updated'`, [vtid]);
      expect(events.rows[0]!.n).toBe(40);
    });

    it('racing moves to two final states: one wins, the other side gets 409, one status event', async () => {
      const vtid = await newTask(gw);
      await patchTask(gw, vtid, { status: 'active' });
      const targets = range(20).map((i) => (i % 2 === 0 ? 'complete' : 'cancelled'));
      const results = await Promise.all(targets.map((status) => patchTask(gw, vtid, { status }).then((r) => ({ status, code: r.status }))));
      const { rows } = await gw.db.query<{ status: string }>(`select status from "VtidLedger" where vtid = $1`, [vtid]);
      const winner = rows[0]!.status;
      expect(['complete', 'cancelled']).toContain(winner);
      for (const r of results) expect(r.code).toBe(r.status === winner ? 200 : 409);
      const changes = await gw.db.query<{ n: number }>(
        `select count(*)::int as n from oasis_events where vtid = $1 and kind = 'vtid.status_changed' and metadata->>'oldStatus' = 'active'`,
        [vtid],
      );
      expect(changes.rows[0]!.n).toBe(1);
    });
  });

  describe('two gateway processes on one database', () => {
    let database: { url: string; drop: () => Promise<void> };
    const processes: GatewayProcess[] = [];
    beforeAll(async () => {
      database = await createPgDatabaseUrl();
      // The first one migrates; the second finds the migrations applied (the runner holds an advisory lock).
      processes.push(await spawnGateway({ env: { DATABASE_URL: database.url, DATABASE_ACQUIRE_TIMEOUT_MS: '120000' } }));
      processes.push(await spawnGateway({ env: { DATABASE_URL: database.url, DATABASE_ACQUIRE_TIMEOUT_MS: '120000' } }));
    });
    afterAll(async () => {
      await Promise.all(processes.map((p) => p.stop()));
      await database?.drop();
    });

    it(`${N} concurrent creates split across both get ${N} distinct ids with no gap`, async () => {
      const token = await serviceToken();
      const results = await Promise.all(range(N).map((i) => createOver(processes[i % 2]!.url, token, i)));
      expect(results.filter((r) => r.status !== 201)).toEqual([]);
      const parsed = results.map((r) => parseLedgerVtid(r.vtid)!);
      // The processes use the real clock: one year (a test straddling New Year's midnight UTC is not worth guarding).
      const years = new Set(parsed.map((p) => p.year));
      expect(years.size).toBe(1);
      expect(parsed.map((p) => p.sequence).sort((a, b) => a - b)).toEqual(range(N));
      // Both processes really served creates.
      for (const p of processes) expect(p.logs.filter((l) => l.path === '/vtid/create' && l.status === 201).length).toBeGreaterThan(0);
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        const { rows } = await client.query<{ ledger: number; events: number }>(
          `select (select count(*)::int from "VtidLedger") as ledger, (select count(*)::int from oasis_events where kind = 'vtid.created') as events`,
        );
        expect(rows[0]).toEqual({ ledger: N, events: N });
      } finally {
        await client.end();
      }
    });
  });
});
