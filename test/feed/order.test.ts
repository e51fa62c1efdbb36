import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, HAS_PG, type TestDatabase } from '../helpers/db.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { openSse, type SseClient } from '../helpers/sse.js';

/**
 * The feed's order without writers taking turns (migrations/005, events/position.ts): transactions
 * that commit out of order on purpose, and every feed client, on either instance and on replay,
 * receives each event once and in one order. PostgreSQL only: the embedded database runs one
 * transaction at a time, so nothing can commit out of order there.
 */

type Tx = pg.Client;

async function openTx(url: string): Promise<Tx> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('begin');
  return client;
}

async function insertIn(tx: Tx, title: string): Promise<number> {
  const { rows } = await tx.query<{ id: string }>(`insert into public.oasis_events (source, kind, title) values ('order-test', 'k', $1) returning id`, [title]);
  return Number(rows[0]!.id);
}

const titles = (client: SseClient) => client.events().filter((event) => event.source === 'order-test').map((event) => event.title);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!HAS_PG)('feed order when transactions commit out of order (PostgreSQL)', () => {
  let database: TestDatabase;
  let a: TestGateway;
  let b: TestGateway;
  const open: Tx[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('pg');
    a = await startTestGateway({ database });
    b = await startTestGateway({ database });
  });
  afterAll(async () => {
    for (const tx of open) await tx.end().catch(() => {});
    await a?.close();
    await b?.close();
    await database?.drop();
  });

  async function clients(): Promise<SseClient[]> {
    const opened = [
      await openSse(`${a.url}/api/v1/devhub/feed`, { token: a.serviceToken }),
      await openSse(`${b.url}/api/v1/devhub/feed`, { token: b.serviceToken }),
    ];
    for (const client of opened) expect(client.status).toBe(200);
    return opened;
  }

  it('the later id commits first: no client sees it before the earlier one, then every client gets both, in order, once', async () => {
    const live = await clients();
    const since = live[0]!.lastEventId();
    const first = await openTx(database.url!);
    const second = await openTx(database.url!);
    open.push(first, second);
    const earlier = await insertIn(first, 'earlier');
    const later = await insertIn(second, 'later');
    expect(later).toBeGreaterThan(earlier);

    await second.query('commit');
    // "later" is committed, but an older transaction is still open: it is held back, not skipped.
    await sleep(300);
    for (const client of live) expect(titles(client)).toEqual([]);

    await first.query('commit');
    for (const client of live) await client.waitFor(() => titles(client).length >= 2, 'both events');
    await sleep(100);
    for (const client of live) expect(titles(client)).toEqual(['earlier', 'later']);

    // A client resuming from before both replays the same order from the table.
    const replay = await openSse(`${b.url}/api/v1/devhub/feed`, { token: b.serviceToken, lastEventId: since });
    await replay.waitFor(() => titles(replay).length >= 2, 'both events on replay');
    await sleep(100);
    expect(titles(replay)).toEqual(['earlier', 'later']);
    for (const client of [...live, replay]) client.close();
  });

  it('the older transaction takes the higher id: the feed keeps transaction order on every client and on replay', async () => {
    const live = await clients();
    const since = live[0]!.lastEventId();
    const older = await openTx(database.url!);
    open.push(older);
    // The older transaction starts writing (it gets its transaction id) before the younger one.
    await older.query('select pg_current_xact_id()');
    const younger = await openTx(database.url!);
    open.push(younger);
    const lowId = await insertIn(younger, 'younger');
    await younger.query('commit');
    const highId = await insertIn(older, 'older');
    expect(highId).toBeGreaterThan(lowId);
    await sleep(200);
    for (const client of live) expect(titles(client)).toEqual([]);
    await older.query('commit');

    for (const client of live) await client.waitFor(() => titles(client).length >= 2, 'both events');
    await sleep(100);
    for (const client of live) expect(titles(client)).toEqual(['older', 'younger']);
    const replay = await openSse(`${a.url}/api/v1/devhub/feed`, { token: a.serviceToken, lastEventId: since });
    await replay.waitFor(() => titles(replay).length >= 2, 'both events on replay');
    await sleep(100);
    expect(titles(replay)).toEqual(['older', 'younger']);
    // Resuming between the two (from "older", whose id is the higher one) gives exactly "younger".
    const olderEvent = replay.events().find((event) => event.title === 'older')!;
    const between = await openSse(`${b.url}/api/v1/devhub/feed`, { token: b.serviceToken, lastEventId: olderEvent.id });
    await between.waitFor(() => titles(between).length >= 1, 'the event after the resume point');
    await sleep(100);
    expect(titles(between)).toEqual(['younger']);
    for (const client of [...live, replay, between]) client.close();
  });

  it('a committed event held back by a transaction that rolls back (no NOTIFY of its own) still arrives promptly', async () => {
    const live = await clients();
    const blocker = await openTx(database.url!);
    open.push(blocker);
    await insertIn(blocker, 'rolled back');
    const res = await a.request('/events/ingest', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ source: 'order-test', kind: 'k', title: 'kept' }),
    });
    expect(res.status).toBe(201);
    // Held back for longer than 5 s: the operator is told which transaction holds the feed.
    const warning = 'feed hub: new events are held back by an open transaction; they are delivered when it ends';
    for (let waited = 0; !a.logs.some((line) => line.message === warning) && waited < 10_000; waited += 100) await sleep(100);
    expect(a.logs.find((line) => line.message === warning)).toMatchObject({ severity: 'WARNING', oldestOpenTxid: expect.stringMatching(/^\d+$/) });
    for (const client of live) expect(titles(client)).toEqual([]);
    await blocker.query('rollback');
    // Well within the 15 s keepalive tick: the hub looks again while a notified transaction is held back.
    for (const client of live) await client.waitFor(() => titles(client).length >= 1, 'the kept event', 3_000);
    await sleep(100);
    for (const client of live) expect(titles(client)).toEqual(['kept']);
    for (const client of live) client.close();
  });

  it("an open write transaction in another database on the same server does not hold this feed back", async () => {
    const live = await clients();
    const elsewhere = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await elsewhere.connect();
    try {
      await elsewhere.query('begin');
      await elsewhere.query('select pg_current_xact_id()'); // a writing transaction, open for the rest of this test
      const res = await a.request('/events/ingest', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ source: 'order-test', kind: 'k', title: 'not held' }),
      });
      expect(res.status).toBe(201);
      // Delivered while that transaction is still open (it could never write here).
      for (const client of live) await client.waitFor(() => titles(client).includes('not held'), 'the event', 5_000);
    } finally {
      await elsewhere.query('rollback').catch(() => {});
      await elsewhere.end();
      for (const client of live) client.close();
    }
  });
});
