import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDatabaseUrl, HAS_PG } from '../helpers/db.js';
import { startTestGateway } from '../helpers/gateway.js';
import { spawnGateway, type GatewayProcess } from '../helpers/process.js';
import { openSse, type SseClient } from '../helpers/sse.js';
import { serviceToken } from '../helpers/tokens.js';

const FEED = '/api/v1/devhub/feed';

async function ingest(baseUrl: string, token: string, body: Record<string, unknown>): Promise<number> {
  const res = await fetch(`${baseUrl}/events/ingest`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ source: 'instances', kind: 'tick', ...body }),
  });
  const out = (await res.json()) as { id: number };
  if (res.status !== 201) throw new Error(`ingest failed: ${res.status} ${JSON.stringify(out)}`);
  return out.id;
}

// Real server only (skipped without TEST_DATABASE_URL): the embedded database belongs to one process,
// so several gateway instances, and a LISTEN connection that can drop on its own, need PostgreSQL.
describe.skipIf(!HAS_PG)('the feed across gateway processes on one PostgreSQL', () => {
  let database: { url: string; drop: () => Promise<void> };
  let a: GatewayProcess;
  let b: GatewayProcess;
  let token: string;
  const clients: SseClient[] = [];
  const feed = async (base: string, query = '', lastEventId?: number | string) => {
    const client = await openSse(`${base}${FEED}${query}`, { token, lastEventId });
    clients.push(client);
    expect(client.status).toBe(200);
    return client;
  };

  beforeAll(async () => {
    database = await createPgDatabaseUrl();
    token = await serviceToken();
    // One after the other: the second finds the migrations applied.
    a = await spawnGateway({ env: { DATABASE_URL: database.url } });
    b = await spawnGateway({ env: { DATABASE_URL: database.url } });
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    await Promise.all([a?.stop(), b?.stop()]);
    await database?.drop();
  });

  it('an event posted to instance A reaches an SSE client of instance B (and of A)', async () => {
    const onB = await feed(b.url, '?source=instances');
    const onA = await feed(a.url, '?source=instances');
    const id = await ingest(a.url, token, { title: 'posted to A' });
    const [fromB] = await onB.waitForEvents(1);
    const [fromA] = await onA.waitForEvents(1);
    expect(fromB).toMatchObject({ id, title: 'posted to A' });
    expect(fromA).toEqual(fromB);
  });

  it('a client of B disconnects, 100 events are written through A, it resumes on A with Last-Event-ID: exactly those 100, in order, then live ones', async () => {
    const first = await feed(b.url, '?source=resume-across');
    const seen = await ingest(a.url, token, { source: 'resume-across', kind: 'seen' });
    await first.waitForEvents(1);
    expect(first.events()[0]!.id).toBe(seen);
    const lastEventId = first.lastEventId()!;
    first.close();
    await first.ended;

    const missed: number[] = [];
    for (let i = 0; i < 100; i++) missed.push(await ingest(a.url, token, { source: 'resume-across', kind: 'missed' }));
    const resumed = await feed(a.url, '?source=resume-across', lastEventId);
    expect((await resumed.waitForEvents(100)).map((e) => e.id)).toEqual(missed);

    const live = await ingest(b.url, token, { source: 'resume-across', kind: 'live' });
    expect((await resumed.waitForEvents(101)).map((e) => e.id)).toEqual([...missed, live]);
  });
});

describe.skipIf(!HAS_PG)('the feed hub after its LISTEN connection drops (PostgreSQL)', () => {
  it('reconnects and catches up from the last id it saw', async () => {
    // Keepalive ticks also poll the table; make them too rare to be what finds the events here.
    const gw = await startTestGateway({ backend: 'pg', env: { FEED_KEEPALIVE_MS: '600000' } });
    const client = await openSse(`${gw.url}${FEED}?source=listener-drop`, { token: gw.serviceToken });
    try {
      const { rows: listeners } = await gw.db.query<{ pid: number }>(
        `select pid from pg_stat_activity where datname = current_database() and query ilike 'listen%'`,
      );
      expect(listeners).toHaveLength(1);
      // In one transaction: the listener is killed before the commit sends the notifications, so only
      // the catch-up after the reconnect can find these rows.
      const inserted = await gw.db.transaction(async (tx) => {
        await tx.query('select pg_terminate_backend($1)', [listeners[0]!.pid]);
        const { rows } = await tx.query<{ id: number }>(
          `insert into oasis_events (source, kind, title) select 'listener-drop', 'missed', 'missed ' || n from generate_series(1, 5) n returning id`,
        );
        return rows.map((r) => Number(r.id));
      });
      const received = await client.waitForEvents(5);
      expect(received.map((e) => e.id)).toEqual(inserted);
      expect(gw.logs.some((l) => String(l.message).startsWith('feed hub: LISTEN connection back'))).toBe(true);
    } finally {
      client.close();
      await gw.close();
    }
  });
});
