import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, readMigrationFiles } from '../../runtime/db/migrate.js';
import { silentLogger } from '../../runtime/core/log.js';
import { projectRoot } from '../../runtime/core/project-root.js';
import { BACKENDS, createTestDatabase } from '../helpers/db.js';
import { json, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { openSse, type SseClient } from '../helpers/sse.js';
import { signToken, userToken } from '../helpers/tokens.js';

const FEED = '/api/v1/devhub/feed';

async function ingest(gw: TestGateway, body: Record<string, unknown>, token?: string): Promise<number> {
  const res = await gw.request('/events/ingest', {
    method: 'POST',
    token,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ source: 'feed-test', kind: 'tick', ...body }),
  });
  const out = await json(res);
  if (res.status !== 201) throw new Error(`ingest failed: ${res.status} ${JSON.stringify(out)}`);
  return out.id as number;
}

async function latestId(gw: TestGateway): Promise<number> {
  const { rows } = await gw.db.query<{ id: number | null }>('select max(id) as id from oasis_events');
  return Number(rows[0]?.id ?? 0);
}

const ids = (client: SseClient) => client.events().map((e) => e.id);

describe.each(BACKENDS)('GET /api/v1/devhub/feed on %s', (backend) => {
  let gw: TestGateway;
  const open: SseClient[] = [];
  const feed = async (query = '', options: Parameters<typeof openSse>[1] = {}) => {
    const client = await openSse(`${gw.url}${FEED}${query}`, { token: gw.serviceToken, ...options });
    open.push(client);
    return client;
  };

  beforeAll(async () => {
    // Fast keepalives: their cursor tells a test that every event up to an id has been offered.
    gw = await startTestGateway({ backend, env: { FEED_KEEPALIVE_MS: '200' } });
  });
  afterAll(async () => {
    for (const client of open) client.close();
    await gw.close();
  });

  it('streams each committed event as id + data in the query API shape, with SSE headers that forbid buffering', async () => {
    const client = await feed();
    expect(client.status).toBe(200);
    expect(client.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(client.headers.get('cache-control')).toBe('no-store, no-transform');
    expect(client.headers.get('x-content-type-options')).toBe('nosniff');
    expect(client.headers.get('x-accel-buffering')).toBe('no');
    expect(client.headers.get('content-encoding')).toBeNull();
    await client.waitFor(() => client.frames.length >= 1, 'the open frame');
    const first = client.frames[0]!;
    expect(first.retry).toBeGreaterThan(0);
    expect(first.event).toBe('ping');
    expect(Number(first.id)).toBe(await latestId(gw));

    const id = await ingest(gw, { vtid: 'VTID-2026-0101', title: 'hello <b>feed</b>', url: 'https://example.com/x', metadata: { n: 1 } });
    const [received] = await client.waitForEvents(1);
    const frame = client.frames.find((f) => f.data !== undefined && f.event === undefined)!;
    expect(frame.id).toBe(String(id));
    const listed = await json(await gw.request('/api/v1/oasis/events?vtid=VTID-2026-0101'));
    expect(received).toEqual(listed.data[0]);
  });

  it('sends a keepalive comment with a ping event and the cursor', async () => {
    const client = await feed();
    const id = await ingest(gw, { kind: 'before-keepalive' });
    await client.waitFor(() => client.frames.some((f) => f.comments.includes('keepalive') && Number(f.id) >= id), 'a keepalive with the cursor');
    const keepalive = client.frames.find((f) => f.comments.includes('keepalive'))!;
    expect(keepalive.event).toBe('ping');
    expect(JSON.parse(keepalive.data!)).toEqual({ keepaliveMs: 200 });
  });

  it('applies the vtid, source, kind and status filters', async () => {
    const clients = {
      vtid: await feed('?vtid=vtid-2026-0202'),
      source: await feed('?source=filter-src'),
      kind: await feed('?kind=filter-kind'),
      status: await feed('?status=failure'),
      all: await feed('?source=filter-src&kind=filter-kind&status=failure&vtid=VTID-2026-0202'),
    };
    const posted = [
      await ingest(gw, { vtid: 'VTID-2026-0202', source: 'other', kind: 'other', status: 'info' }),
      await ingest(gw, { source: 'filter-src', kind: 'other', status: 'info' }),
      await ingest(gw, { source: 'other', kind: 'filter-kind', status: 'info' }),
      await ingest(gw, { source: 'other', kind: 'other', status: 'failure' }),
      await ingest(gw, { vtid: 'VTID-2026-0202', source: 'filter-src', kind: 'filter-kind', status: 'failure' }),
      await ingest(gw, { source: 'unrelated', kind: 'unrelated' }),
    ];
    const last = posted[posted.length - 1]!;
    for (const client of Object.values(clients)) await client.waitForCursor(last);
    expect(ids(clients.vtid)).toEqual([posted[0], posted[4]]);
    expect(ids(clients.source)).toEqual([posted[1], posted[4]]);
    expect(ids(clients.kind)).toEqual([posted[2], posted[4]]);
    expect(ids(clients.status)).toEqual([posted[3], posted[4]]);
    expect(ids(clients.all)).toEqual([posted[4]]);
  });

  it('resumes with Last-Event-ID: exactly the 100 events written meanwhile, in order, then live ones', async () => {
    const first = await feed('?source=resume');
    const seen = await ingest(gw, { source: 'resume', kind: 'seen' });
    await first.waitForEvents(1);
    const resumeFrom = first.lastEventId();
    first.close();
    await first.ended;

    const missed: number[] = [];
    for (let i = 0; i < 100; i++) missed.push(await ingest(gw, { source: 'resume', kind: 'missed', title: `missed ${i}` }));
    const again = await feed('?source=resume', { lastEventId: resumeFrom });
    const replayed = await again.waitForEvents(100);
    expect(replayed.map((e) => e.id)).toEqual(missed);
    expect(replayed.map((e) => e.title)).toEqual(missed.map((_, i) => `missed ${i}`));
    expect(replayed.some((e) => e.id === seen)).toBe(false);

    const liveOne = await ingest(gw, { source: 'resume', kind: 'live' });
    const all = await again.waitForEvents(101);
    expect(all.map((e) => e.id)).toEqual([...missed, liveOne]);
  });

  it('accepts lastEventId in the query; the Last-Event-ID header wins when both are given', async () => {
    const a = await ingest(gw, { source: 'query-resume' });
    const b = await ingest(gw, { source: 'query-resume' });
    const byQuery = await feed(`?source=query-resume&lastEventId=${a - 1}`);
    expect(ids(await byQuery.waitForEvents(2).then(() => byQuery))).toEqual([a, b]);
    const both = await feed(`?source=query-resume&lastEventId=0`, { lastEventId: a });
    await both.waitForCursor(b);
    expect(ids(both)).toEqual([b]);
  });

  it('treats a Last-Event-ID beyond the newest event (a reset database) as "now" instead of hiding new events', async () => {
    const client = await feed('?source=reset-db', { lastEventId: 1_000_000_000 });
    await client.waitFor(() => Number(client.lastEventId()) < 1_000_000_000, 'the cursor reset');
    const id = await ingest(gw, { source: 'reset-db' });
    expect((await client.waitForEvents(1)).map((e) => e.id)).toEqual([id]);
  });

  it('has no gap and no duplicate at the seam when events commit during the replay', async () => {
    const start = await latestId(gw);
    for (let i = 0; i < 30; i++) await ingest(gw, { source: 'seam', title: `before ${i}` });
    let writing = true;
    const writer = (async () => {
      for (let i = 0; i < 60; i++) await ingest(gw, { source: 'seam', title: `during ${i}` });
      writing = false;
    })();
    // Several clients join at different moments while the writer runs.
    const clients: SseClient[] = [];
    for (let i = 0; i < 4 && writing; i++) clients.push(await feed('?source=seam', { lastEventId: start }));
    await writer;
    const last = await latestId(gw);
    const { rows } = await gw.db.query<{ id: number }>(`select id from oasis_events where source = 'seam' and id > $1 order by id`, [start]);
    const expected = rows.map((r) => Number(r.id));
    expect(expected).toHaveLength(90);
    for (const client of clients) {
      await client.waitForCursor(last);
      expect(ids(client)).toEqual(expected);
    }
  });

  describe('authentication and tenancy', () => {
    it('answers 401 without a token and with a bad one', async () => {
      const none = await openSse(`${gw.url}${FEED}`);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer');
      expect(none.errorBody?.error.code).toBe('unauthenticated');
      const bad = await openSse(`${gw.url}${FEED}?access_token=not-a-jwt`);
      expect(bad.status).toBe(401);
      expect(bad.errorBody?.error.code).toBe('invalid_token');
      const anotherSecret = await signToken({ role: 'service_role' }, 'another-secret-another-secret-another-secret');
      expect((await openSse(`${gw.url}${FEED}?access_token=${anotherSecret}`)).status).toBe(401);
      const expired = await openSse(`${gw.url}${FEED}`, { token: await signToken({ role: 'service_role', exp: Math.floor(Date.now() / 1000) - 60 }) });
      expect(expired.status).toBe(401);
      expect(expired.errorBody?.error.code).toBe('token_expired');
      const unknownRole = await openSse(`${gw.url}${FEED}`, { token: await signToken({ role: 'supabase_admin' }) });
      expect(unknownRole.status).toBe(403);
      expect(unknownRole.errorBody?.error.code).toBe('forbidden_role');
    });

    it('accepts the token as ?access_token= (EventSource cannot set headers) and never logs it', async () => {
      const token = await signToken({ role: 'service_role', sub: 'query-token-test' });
      const from = gw.logs.length;
      const client = await openSse(`${gw.url}${FEED}?access_token=${token}`);
      open.push(client);
      expect(client.status).toBe(200);
      const id = await ingest(gw, { kind: 'token-in-query' });
      await client.waitForCursor(id);
      expect(ids(client)).toContain(id);
      client.close();
      await client.ended;
      const lines = gw.logs.slice(from);
      expect(lines.filter((l) => l.path === FEED)).toHaveLength(1);
      expect(JSON.stringify(lines)).not.toContain(token);
    });

    it('sends a user only the events of its own tenant, live and on replay, as row-level security does', async () => {
      const tokenA = await userToken({ tenant: 'tenant-a' });
      const tokenB = await userToken({ tenant: 'tenant-b', tenantInAppMetadata: true });
      const noTenant = await userToken({});
      const start = await latestId(gw);
      const a = await feed('', { token: tokenA });
      const b = await feed('', { token: tokenB });
      const none = await feed('', { token: noTenant });
      const service = await feed('');
      const posted = {
        a1: await ingest(gw, { source: 'tenancy', tenant: 'tenant-a' }),
        b1: await ingest(gw, { source: 'tenancy', tenant: 'tenant-b' }),
        sys: await ingest(gw, { source: 'tenancy' }),
        a2: await ingest(gw, { source: 'tenancy' }, tokenA),
      };
      for (const client of [a, b, none, service]) await client.waitForCursor(posted.a2);
      expect(ids(a)).toEqual([posted.a1, posted.a2]);
      expect(ids(b)).toEqual([posted.b1]);
      expect(ids(none)).toEqual([]);
      expect(ids(service)).toEqual([posted.a1, posted.b1, posted.sys, posted.a2]);

      // The replay reads through the policy itself: the same answer.
      const replayA = await feed('?source=tenancy', { token: tokenA, lastEventId: start });
      const replayB = await feed('?source=tenancy', { token: tokenB, lastEventId: start });
      for (const client of [replayA, replayB]) await client.waitForCursor(posted.a2);
      expect(ids(replayA)).toEqual(ids(a));
      expect(ids(replayB)).toEqual(ids(b));
      expect(JSON.stringify([...a.events(), ...replayA.events()])).not.toContain('tenant-b');
    });
  });

  it('rejects invalid filters and Last-Event-ID with 400', async () => {
    const status = await openSse(`${gw.url}${FEED}?status=done`, { token: gw.serviceToken });
    expect(status.status).toBe(400);
    expect(status.errorBody?.error.message).toMatch(/status/);
    const header = await openSse(`${gw.url}${FEED}`, { token: gw.serviceToken, lastEventId: 'abc' });
    expect(header.status).toBe(400);
    expect(header.errorBody?.error.code).toBe('invalid_request');
    const vtid = await openSse(`${gw.url}${FEED}?vtid=VTID-1`, { token: gw.serviceToken });
    expect(vtid.status).toBe(400);
    const nul = await openSse(`${gw.url}${FEED}?source=a%00b`, { token: gw.serviceToken });
    expect(nul.status).toBe(400);
    expect(nul.errorBody?.error.message).toMatch(/source: must not contain NUL/);
  });

  it('documents the feed and the console in the OpenAPI spec', async () => {
    const spec = await json(await gw.request('/openapi.json'));
    const feedOp = spec.paths[FEED].get;
    expect(Object.keys(feedOp.responses['200'].content)).toEqual(['text/event-stream']);
    expect(feedOp.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['vtid', 'source', 'kind', 'status', 'lastEventId', 'access_token', 'last-event-id']),
    );
    expect(feedOp.responses['503']).toBeDefined();
    expect(Object.keys(spec.paths['/'].get.responses['200'].content)).toEqual(['text/html']);
  });
});

describe.each(BACKENDS)('feed limits and shutdown on %s', (backend) => {
  it('answers 503 past the cap on concurrent streams and frees the slot when a client leaves', async () => {
    const gw = await startTestGateway({ backend, env: { FEED_MAX_CLIENTS: '2' } });
    try {
      const one = await openSse(`${gw.url}${FEED}`, { token: gw.serviceToken });
      const two = await openSse(`${gw.url}${FEED}`, { token: gw.serviceToken });
      expect([one.status, two.status]).toEqual([200, 200]);
      const three = await openSse(`${gw.url}${FEED}`, { token: gw.serviceToken });
      expect(three.status).toBe(503);
      expect(three.errorBody?.error.code).toBe('feed_full');
      expect(three.headers.get('retry-after')).toBeTruthy();
      one.close();
      let four: SseClient | undefined;
      for (let attempt = 0; attempt < 100 && four?.status !== 200; attempt++) {
        if (attempt) await new Promise((resolve) => setTimeout(resolve, 50));
        four = await openSse(`${gw.url}${FEED}`, { token: gw.serviceToken });
      }
      expect(four?.status).toBe(200);
      two.close();
      four?.close();
    } finally {
      await gw.close();
    }
  });

  it('OASIS_PUBLIC_READ=true: anyone may follow the feed without a token, every tenant included', async () => {
    const gw = await startTestGateway({ backend, env: { OASIS_PUBLIC_READ: 'true' } });
    try {
      const client = await openSse(`${gw.url}${FEED}?source=public-read`);
      expect(client.status).toBe(200);
      const id = await ingest(gw, { source: 'public-read', tenant: 'tenant-x' });
      expect((await client.waitForEvents(1)).map((e) => e.id)).toEqual([id]);
      client.close();
      // A bad token is still refused: public read is for callers without one.
      expect((await openSse(`${gw.url}${FEED}`, { token: 'not-a-jwt' })).status).toBe(401);
    } finally {
      await gw.close();
    }
  });

  it('starts even when the table is not migrated yet: 503 feed_starting until the hub connects, then live', async () => {
    const database = await createTestDatabase(backend);
    const gw = await startTestGateway({ database, env: { MIGRATE_ON_START: 'false' } });
    try {
      const early = await openSse(`${gw.url}${FEED}`, { token: gw.serviceToken });
      expect(early.status).toBe(503);
      expect(early.errorBody?.error.code).toBe('feed_starting');
      expect(early.headers.get('retry-after')).toBe('5');
      await migrate(database.db, readMigrationFiles(projectRoot()), silentLogger);
      let client: SseClient | undefined;
      for (let attempt = 0; attempt < 100 && client?.status !== 200; attempt++) {
        if (attempt) await new Promise((resolve) => setTimeout(resolve, 100));
        client = await openSse(`${gw.url}${FEED}`, { token: gw.serviceToken });
      }
      expect(client?.status).toBe(200);
      const id = await ingest(gw, { kind: 'after-late-start' });
      expect((await client!.waitForEvents(1)).map((e) => e.id)).toEqual([id]);
      client!.close();
    } finally {
      await gw.close();
      await database.drop();
    }
  });

  it('ends open streams at shutdown, so the graceful shutdown finishes without forcing connections', async () => {
    const gw = await startTestGateway({ backend, env: { SHUTDOWN_GRACE_MS: '30000' } });
    const clients = [await openSse(`${gw.url}${FEED}`, { token: gw.serviceToken }), await openSse(`${gw.url}${FEED}`, { token: gw.serviceToken })];
    await Promise.all(clients.map((c) => c.waitFor(() => c.frames.length > 0, 'the open frame')));
    await gw.close();
    await Promise.all(clients.map((c) => c.ended));
    expect(gw.logs.some((l) => l.message === 'shutdown complete')).toBe(true);
    expect(gw.logs.some((l) => String(l.message).startsWith('grace period over'))).toBe(false);
    expect(gw.logs.filter((l) => l.message === 'feed stream ended' && l.reason === 'shutdown')).toHaveLength(2);
  });
});
