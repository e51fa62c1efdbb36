import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, readMigrationFiles } from '../../runtime/db/migrate.js';
import { createPgDatabase } from '../../runtime/db/pg.js';
import type { Database, DbIdentity } from '../../runtime/core/database.js';
import { WriteOutcomeUnknownError, WriteTimeoutError } from '../../runtime/db/write-budget.js';
import type { NewEvent } from '../../runtime/events/new-event.js';
import { storedEventId } from '../../runtime/events/repository.js';
import { EventWriter } from '../../runtime/events/writer.js';
import { silentLogger } from '../../runtime/core/log.js';
import { projectRoot } from '../../runtime/core/project-root.js';
import { BACKENDS, createTestDatabase, HAS_PG, stallEventWrites, type TestDatabase } from '../helpers/db.js';
import { serviceIdentity } from '../../runtime/core/caller.js';

/**
 * The group-commit writer against a real database: batching, per-row outcomes, row-level security
 * per identity, repeats, and the time budget (never sent / rolled back / commit unconfirmed).
 */

const SERVICE = serviceIdentity('writer-test');
const tenantIdentity = (tenant: string): DbIdentity => ({ role: 'authenticated', claims: { role: 'authenticated', sub: `user-${tenant}`, tenant } });

let serial = 0;
function event(overrides: Partial<NewEvent> = {}): NewEvent {
  serial += 1;
  return { vtid: 'VTID-2026-0001', source: 'writer-test', kind: 'k', status: 'info', tenant: 'system', metadata: { n: serial }, externalId: `w-${serial}-${Math.random()}`, ...overrides };
}

async function rowsOf(db: Database, externalIds: readonly (string | null | undefined)[]) {
  const { rows } = await db.query<{ id: number; tenant: string; txid: string; external_id: string }>(
    `select id, tenant, txid::text as txid, external_id from oasis_events where external_id = any($1::text[]) order by id`,
    [externalIds.filter((value): value is string => typeof value === 'string')],
  );
  return rows;
}

describe.each(BACKENDS)('EventWriter on %s', (backend) => {
  let test: TestDatabase;
  let writer: EventWriter;
  beforeAll(async () => {
    test = await createTestDatabase(backend);
    await migrate(test.db, readMigrationFiles(projectRoot()), silentLogger);
    writer = new EventWriter(test.db);
  });
  afterAll(() => test.drop());

  it('fifty writes submitted together: fifty rows, fifty distinct ids in submission order, one transaction', async () => {
    const events = Array.from({ length: 50 }, () => event());
    const outcomes = await Promise.all(events.map((e) => writer.write(SERVICE, e, 5_000)));
    expect(outcomes.every((o) => o.outcome === 'stored' && typeof o.id === 'number')).toBe(true);
    const ids = outcomes.map((o) => storedEventId(o)!);
    expect([...ids].sort((x, y) => x - y)).toEqual(ids);
    const rows = await rowsOf(test.db, events.map((e) => e.externalId));
    expect(rows.map((r) => Number(r.id))).toEqual(ids);
    expect(new Set(rows.map((r) => r.txid)).size).toBe(1);
  });

  it('writes without an external id get their own rows and ids too', async () => {
    const events = Array.from({ length: 5 }, (_, i) => event({ externalId: null, title: `no-key-${serial}-${i}` }));
    const outcomes = await Promise.all(events.map((e) => writer.write(SERVICE, e, 5_000)));
    const { rows } = await test.db.query<{ id: number; title: string }>(`select id, title from oasis_events where id = any($1::bigint[]) order by id`, [outcomes.map(storedEventId)]);
    expect(rows.map((r) => r.title)).toEqual(events.map((e) => e.title));
  });

  it('repeats of one (source, externalId) in one batch: one row; the first is new, the others its duplicates', async () => {
    const one = event();
    const outcomes = await Promise.all(Array.from({ length: 6 }, () => writer.write(SERVICE, { ...one }, 5_000)));
    expect(outcomes.filter((o) => o.outcome === 'stored')).toHaveLength(1);
    expect(new Set(outcomes.map(storedEventId)).size).toBe(1);
    expect(await rowsOf(test.db, [one.externalId])).toHaveLength(1);
    // A later repeat is a duplicate of the same row.
    expect(await writer.write(SERVICE, { ...one }, 5_000)).toEqual({ outcome: 'duplicate', id: storedEventId(outcomes[0]!) });
  });

  it('row-level security judges each row as its caller: the one row for another tenant fails alone, the rest of its batch is stored', async () => {
    const alpha = tenantIdentity('alpha');
    const mine = Array.from({ length: 5 }, () => event({ tenant: 'alpha' }));
    const foreign = event({ tenant: 'beta' });
    const settled = await Promise.allSettled([...mine, foreign].map((e) => writer.write(alpha, e, 5_000)));
    expect(settled.slice(0, 5).every((s) => s.status === 'fulfilled')).toBe(true);
    const refused = settled[5]!;
    expect(refused.status).toBe('rejected');
    expect((refused as PromiseRejectedResult).reason).toMatchObject({ code: '42501' });
    const rows = await rowsOf(test.db, [...mine, foreign].map((e) => e.externalId));
    expect(rows.map((r) => r.tenant)).toEqual(['alpha', 'alpha', 'alpha', 'alpha', 'alpha']);
  });

  it('identities never share a batch: two tenants writing at once each get their own tenant and transaction', async () => {
    const alpha = Array.from({ length: 4 }, () => event({ tenant: 'alpha' }));
    const gamma = Array.from({ length: 4 }, () => event({ tenant: 'gamma' }));
    await Promise.all([...alpha.map((e) => writer.write(tenantIdentity('alpha'), e, 5_000)), ...gamma.map((e) => writer.write(tenantIdentity('gamma'), e, 5_000))]);
    const rows = await rowsOf(test.db, [...alpha, ...gamma].map((e) => e.externalId));
    const txOf = (tenant: string) => new Set(rows.filter((r) => r.tenant === tenant).map((r) => r.txid));
    expect(rows).toHaveLength(8);
    expect([...txOf('alpha')].some((tx) => txOf('gamma').has(tx))).toBe(false);
  });

  it("a key taken by another tenant's row answers id null for that write only", async () => {
    const taken = event({ tenant: 'beta' });
    await writer.write(SERVICE, taken, 5_000);
    const other = event({ tenant: 'alpha' });
    const [clash, fine] = await Promise.all([
      writer.write(tenantIdentity('alpha'), { ...taken, tenant: 'alpha' }, 5_000),
      writer.write(tenantIdentity('alpha'), other, 5_000),
    ]);
    expect(clash).toEqual({ outcome: 'taken' });
    expect(fine.outcome).toBe('stored');
    expect((await rowsOf(test.db, [taken.externalId])).map((r) => r.tenant)).toEqual(['beta']);
  });

  it('a write whose budget runs out before the database takes it: WriteTimeoutError, and it never commits later', async () => {
    const stalled = event();
    const stall = await stallEventWrites(test);
    try {
      await expect(writer.write(SERVICE, stalled, 600)).rejects.toBeInstanceOf(WriteTimeoutError);
    } finally {
      await stall.release();
    }
    // A later write passes the point where the stalled one would have committed.
    await writer.write(SERVICE, event(), 5_000);
    expect(await rowsOf(test.db, [stalled.externalId])).toEqual([]);
  });
});

/** Forwards to PostgreSQL and can hold back what the server answers (the commit lands, its answer is late). */
async function startHoldingProxy(target: URL): Promise<{ url: string; hold(): void; release(): void; close(): Promise<void> }> {
  let holding = false;
  const held: Array<() => void> = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    sockets.add(client).add(upstream);
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => (holding ? held.push(() => client.write(chunk)) : client.write(chunk)));
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as AddressInfo).port);
  return {
    url: url.toString(),
    hold: () => (holding = true),
    release: () => {
      holding = false;
      for (const send of held.splice(0)) send();
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe.skipIf(!HAS_PG)('EventWriter when the commit is not confirmed in time (PostgreSQL)', () => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await createTestDatabase('pg');
    await migrate(test.db, readMigrationFiles(projectRoot()), silentLogger);
  });
  afterAll(() => test.drop());

  it('answers WriteOutcomeUnknownError (never "nothing stored") when the commit lands after the budget', async () => {
    const proxy = await startHoldingProxy(new URL(test.url!));
    const db = createPgDatabase({ url: proxy.url, logger: silentLogger, max: 1 });
    try {
      await db.query('select 1'); // the pooled connection is open before the answers are held
      const writer = new EventWriter(db);
      const late = event();
      proxy.hold();
      await expect(writer.write(SERVICE, late, 500)).rejects.toBeInstanceOf(WriteOutcomeUnknownError);
      // The server did commit it: "may have been stored" was the true answer.
      expect(await rowsOf(test.db, [late.externalId])).toHaveLength(1);
      proxy.release();
    } finally {
      proxy.release();
      await db.close();
      await proxy.close();
    }
  });

  it('answers WriteOutcomeUnknownError (never "nothing stored") when the connection dies after the batch was sent', async () => {
    const proxy = await startHoldingProxy(new URL(test.url!));
    const db = createPgDatabase({ url: proxy.url, logger: silentLogger, max: 1 });
    try {
      await db.query('select 1');
      const writer = new EventWriter(db);
      const cut = event();
      proxy.hold();
      const answer = writer.write(SERVICE, cut, 5_000);
      // The server has the batch (it commits it); the answer never comes back.
      for (let waited = 0; (await rowsOf(test.db, [cut.externalId])).length === 0 && waited < 5_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
      await proxy.close();
      await expect(answer).rejects.toBeInstanceOf(WriteOutcomeUnknownError);
      expect(await rowsOf(test.db, [cut.externalId])).toHaveLength(1);
    } finally {
      await db.close().catch(() => {});
      await proxy.close().catch(() => {});
    }
  });
});
