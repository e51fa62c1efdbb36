import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/db.js';
import { json, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { signToken, userToken } from '../helpers/tokens.js';

/** Seeds rows directly (as the superuser) so the query API is tested on known data. */
async function seed(gw: TestGateway, rows: Array<Record<string, unknown>>): Promise<number[]> {
  const ids: number[] = [];
  for (const row of rows) {
    const { rows: inserted } = await gw.db.query<{ id: number }>(
      `insert into oasis_events (ts, vtid, source, kind, status, layer, module, tenant, external_id, payload)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning id`,
      [row.ts ?? new Date().toISOString(), row.vtid ?? 'UNSET', row.source ?? 'seed', row.kind ?? 'k', row.status ?? 'info', row.layer ?? null, row.module ?? null, row.tenant ?? 'system', row.externalId ?? null, JSON.stringify(row.payload ?? { raw: true })],
    );
    ids.push(inserted[0]!.id);
  }
  return ids;
}

describe.each(BACKENDS)('GET /api/v1/oasis/events on %s', (backend) => {
  let gw: TestGateway;
  let ids: number[];
  beforeAll(async () => {
    gw = await startTestGateway({ backend });
    ids = await seed(gw, [
      { vtid: 'VTID-2026-0001', source: 'github.actions', kind: 'workflow_run', status: 'success', ts: '2026-01-01T00:00:00Z' },
      { vtid: 'VTID-2026-0001', source: 'github', kind: 'push', status: 'success', ts: '2026-01-02T00:00:00Z' },
      { vtid: 'DEV-CICDL-0031', source: 'github.actions', kind: 'check_run', status: 'failure', layer: 'DEV', module: 'CICDL', ts: '2026-01-03T00:00:00Z' },
      { vtid: 'DEV-CICDL-0031', source: 'gcp.cloudrun', kind: 'deploy', status: 'in_progress', layer: 'DEV', module: 'CICDL', ts: '2026-01-04T00:00:00Z' },
      { vtid: 'UNSET', source: 'agent', kind: 'note', status: 'info', tenant: 'tenant-a', ts: '2026-01-05T00:00:00Z' },
      { vtid: 'UNSET', source: 'agent', kind: 'note', status: 'info', tenant: 'tenant-b', ts: '2026-01-06T00:00:00Z' },
    ]);
  });
  afterAll(() => gw.close());

  const get = (query: string, token?: string | null) => gw.request(`/api/v1/oasis/events${query}`, { token });
  const idsOf = async (res: Response) => ((await json(res)).data as Array<{ id: number }>).map((e) => e.id);

  it('returns events newest first, camelCase, without payload by default', async () => {
    const res = await get('');
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.data.map((e: { id: number }) => e.id)).toEqual([...ids].reverse());
    expect(body.nextCursor).toBeNull();
    expect(body.data[2]).toEqual({
      id: ids[3],
      ts: '2026-01-04T00:00:00.000Z',
      vtid: 'DEV-CICDL-0031',
      source: 'gcp.cloudrun',
      kind: 'deploy',
      status: 'in_progress',
      layer: 'DEV',
      module: 'CICDL',
      title: null,
      repo: null,
      ref: null,
      sha: null,
      actor: null,
      url: null,
      externalId: null,
      tenant: 'system',
      metadata: {},
    });
  });

  it('includes the raw payload on request', async () => {
    const body = await json(await get('?include=payload&limit=1'));
    expect(body.data[0].payload).toEqual({ raw: true });
  });

  it.each([
    ['?vtid=VTID-2026-0001', [1, 0]],
    ['?vtid=dev-cicdl-0031', [3, 2]],
    ['?source=github.actions', [2, 0]],
    ['?kind=push', [1]],
    ['?status=failure', [2]],
    ['?layer=DEV&module=CICDL', [3, 2]],
    ['?since=2026-01-02T00:00:00Z&until=2026-01-04T00:00:00Z', [2, 1]],
    ['?source=github.actions&status=success', [0]],
  ])('filters %s', async (query, expected) => {
    expect(await idsOf(await get(query))).toEqual(expected.map((i) => ids[i]));
  });

  it('echoes the requested VTID in X-VTID, upper-cased', async () => {
    const res = await get('?vtid=dev-cicdl-0031');
    expect(res.headers.get('x-vtid')).toBe('DEV-CICDL-0031');
    expect((await get('')).headers.get('x-vtid')).toBeNull();
  });

  it('answers (and refusals) carry nosniff and no-store: a page of a tenant events never sits in a cache', async () => {
    const ok = await get('');
    expect(ok.headers.get('x-content-type-options')).toBe('nosniff');
    expect(ok.headers.get('cache-control')).toBe('no-store');
    const refused = await get('?limit=0');
    expect(refused.status).toBe(400);
    expect(refused.headers.get('x-content-type-options')).toBe('nosniff');
    expect(refused.headers.get('cache-control')).toBe('no-store');
  });

  it('limit and offset', async () => {
    const page = await json(await get('?limit=2'));
    expect(page.data.map((e: { id: number }) => e.id)).toEqual([ids[5], ids[4]]);
    expect(page.nextCursor).toBe(ids[4]);
    expect(await idsOf(await get('?limit=2&offset=2'))).toEqual([ids[3], ids[2]]);
  });

  it.each(['?limit=0', '?limit=1001', '?limit=abc', '?offset=-1', '?before=0', '?status=done', '?vtid=VTID-26-1', '?since=yesterday', '?include=everything', '?source=a%00b', '?since=0000-01-01T00:00:00Z', '?until=2026-01-01T00:00:00%2B20:00'])(
    'rejects %s with 400',
    async (query) => {
      const res = await get(query);
      expect(res.status).toBe(400);
      const body = await json(res);
      expect(body.ok).toBe(false);
      expect(body.error.code).toBe('invalid_request');
    },
  );

  it('needs a token unless public read is on; accepts access_token in the query', async () => {
    expect((await get('', null)).status).toBe(401);
    const res = await gw.request(`/api/v1/oasis/events?access_token=${gw.serviceToken}`, { token: null });
    expect(res.status).toBe(200);
    expect((await get('', await signToken({ role: 'service_role', exp: 1 }))).status).toBe(401);
    const otherSecret = await get('', await signToken({ role: 'service_role' }, 'another-secret-another-secret-another-secret'));
    expect(otherSecret.status).toBe(401);
    expect((await json(otherSecret)).error.code).toBe('invalid_token');
    expect((await get('', await signToken({ role: 'wizard' }))).status).toBe(403);
  });

  it('an authenticated caller sees only its own tenant (RLS)', async () => {
    const a = await idsOf(await get('', await userToken({ tenant: 'tenant-a' })));
    expect(a).toEqual([ids[4]]);
    const b = await idsOf(await get('', await userToken({ tenant: 'tenant-b', tenantInAppMetadata: true })));
    expect(b).toEqual([ids[5]]);
    expect(await idsOf(await get('', await userToken({})))).toEqual([]);
  });
});

describe.each(BACKENDS)('keyset paging through 1,000 events on %s', (backend) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ backend });
    await gw.db.query(`insert into oasis_events (source, kind, vtid) select 'bulk', 'k', 'VTID-2026-0042' from generate_series(1, 1000)`);
    // A few rows with rare values in every filtered column, for the index test below.
    await gw.db.query(
      `insert into oasis_events (ts, source, kind, vtid, status, layer, module)
       select '2001-01-01T00:00:00Z'::timestamptz + n * interval '1 minute', 'rare', 'rare', 'VTID-2026-0999', 'cancelled', 'RARE', 'RARE' from generate_series(1, 5) n`,
    );
    await gw.db.query('analyze oasis_events');
  });
  afterAll(() => gw.close());

  it('before=<nextCursor> returns each event exactly once, newest first', async () => {
    const seen: number[] = [];
    let cursor: number | null = null;
    let pages = 0;
    do {
      const query: string = `/api/v1/oasis/events?source=bulk&limit=73${cursor ? `&before=${cursor}` : ''}`;
      const body = await json(await gw.request(query));
      seen.push(...body.data.map((e: { id: number }) => e.id));
      cursor = body.nextCursor;
      pages += 1;
    } while (cursor !== null);
    expect(seen).toHaveLength(1000);
    expect(new Set(seen).size).toBe(1000);
    expect(seen).toEqual([...seen].sort((a, b) => b - a));
    expect(pages).toBe(Math.ceil(1000 / 73));
  });

  it('a deep page uses an index, not a sequential scan', async () => {
    // Planner choices on tiny tables favour seq scans; forbid them to prove an index can serve each filter
    // in the order listEvents asks for (`id desc nulls last`, see migrations/006) without sorting.
    for (const filter of ['source = $1', 'vtid = $1']) {
      const plan = await gw.db.transaction(async (tx) => {
        await tx.query('set local enable_seqscan = off');
        const { rows } = await tx.query<{ 'QUERY PLAN': string }>(
          `explain select id from oasis_events where ${filter} and id < 500 order by id desc nulls last limit 50`,
          [filter.startsWith('source') ? 'bulk' : 'VTID-2026-0042'],
        );
        return rows.map((r) => r['QUERY PLAN']).join('\n');
      });
      expect(plan).toMatch(/Index/);
      expect(plan).not.toMatch(/Seq Scan/);
      expect(plan).not.toMatch(/Sort/);
    }
  });

  it.each([
    ['vtid', `vtid = 'VTID-2026-0999'`, 'oasis_events_vtid_filter_idx'],
    // The (source, status) index and the unique (source, external_id) one serve a rare source as well.
    ['source', `source = 'rare'`, /oasis_events_source_(filter_idx|status_idx|external_id_key)/],
    ['kind', `kind = 'rare'`, 'oasis_events_kind_filter_idx'],
    ['status', `status = 'cancelled'`, 'oasis_events_status_filter_idx'],
    ['layer', `layer = 'RARE'`, 'oasis_events_layer_filter_idx'],
    ['module', `module = 'RARE'`, 'oasis_events_module_filter_idx'],
    // Without a column filter listEvents adds `created_at is not null`, the predicate of oasis_events_unfiltered_idx.
    ['since/until', `ts >= '2001-01-01T00:00:00Z' and ts < '2001-01-02T00:00:00Z' and created_at is not null`, /oasis_events_(ts_idx|unfiltered_idx)/],
  ])('the %s filter has its own index (a rare value is found without walking the table)', async (_name, filter, index) => {
    const plan = await gw.db.transaction(async (tx) => {
      await tx.query('set local enable_seqscan = off');
      const { rows } = await tx.query<{ 'QUERY PLAN': string }>(`explain select id from oasis_events where ${filter} order by id desc nulls last limit 50`);
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    });
    expect(plan).toMatch(index);
    expect(plan).not.toMatch(/Seq Scan/);
  });
});

describe.each(BACKENDS)('OASIS_PUBLIC_READ=true on %s', (backend) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ backend, env: { OASIS_PUBLIC_READ: 'true' } });
    await seed(gw, [{ tenant: 'x' }, { tenant: 'y' }]);
  });
  afterAll(() => gw.close());

  it('anyone may read every event without a token; writes still need one', async () => {
    const res = await gw.request('/api/v1/oasis/events', { token: null });
    expect(res.status).toBe(200);
    expect((await json(res)).data).toHaveLength(2);
    const write = await gw.request('/events/ingest', { method: 'POST', token: null, headers: { 'content-type': 'application/json' }, body: '{"source":"s","kind":"k"}' });
    expect(write.status).toBe(401);
    const { rows } = await gw.db.query<{ n: number }>('select count(*)::int as n from oasis_events');
    expect(rows[0]!.n).toBe(2);
  });
});
