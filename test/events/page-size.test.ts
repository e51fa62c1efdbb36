import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/db.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

/**
 * Issue 12, item 6: a page of the query API is bounded in bytes (EVENTS_PAGE_MAX_BYTES), not only in
 * events: `include=payload&limit=1000` over large payloads returned 102 MiB in one answer. A page past
 * the cap is cut, with the keyset cursor to the rest; following the cursors reads every row once.
 */

const KiB = 1024;
const MAX_BYTES = 256 * KiB;
const ROWS = 120;
const BLOB = 20 * KiB; // ~13 rows per page

interface Page {
  data: Array<{ id: number; payload?: { blob: string; n: number }; metadata: { n?: number; blob?: string } }>;
  nextCursor: number | null;
}

describe.each(BACKENDS)('query pages bounded in bytes (%s)', (backend) => {
  let gw: TestGateway;
  let ids: number[];
  let hugeId: number;

  beforeAll(async () => {
    gw = await startTestGateway({ backend, env: { EVENTS_PAGE_MAX_BYTES: String(MAX_BYTES) } });
    const { rows } = await gw.db.query<{ id: number }>(
      `insert into oasis_events (vtid, source, kind, status, tenant, metadata, payload)
       select 'UNSET', 'big', 'k', 'info', 'system', jsonb_build_object('n', g, 'blob', repeat('m', ${BLOB} / 4)),
              jsonb_build_object('n', g, 'blob', repeat(chr(233), ${BLOB} / 2))
         from generate_series(1, ${ROWS}) g
       returning id`,
    );
    // One event larger than a whole page, in the middle.
    const huge = await gw.db.query<{ id: number }>(
      `insert into oasis_events (vtid, source, kind, status, tenant, metadata, payload)
       values ('UNSET', 'big', 'k', 'info', 'system', '{"n": 0}', jsonb_build_object('n', 0, 'blob', repeat('h', ${2 * MAX_BYTES})))
       returning id`,
    );
    hugeId = Number(huge.rows[0]!.id);
    await gw.db.query(
      `insert into oasis_events (vtid, source, kind, status, tenant, metadata, payload)
       select 'UNSET', 'big', 'k', 'info', 'system', jsonb_build_object('n', g), jsonb_build_object('n', g, 'blob', repeat('y', ${BLOB}))
         from generate_series(${ROWS + 1}, ${ROWS + 20}) g`,
    );
    const all = await gw.db.query<{ id: number }>(`select id from oasis_events where source = 'big' order by id desc`);
    ids = all.rows.map((r) => Number(r.id));
    expect(ids).toHaveLength(ROWS + 21);
    expect(rows).toHaveLength(ROWS);
  }, 60_000);
  afterAll(() => gw.close());

  async function readAll(query: string): Promise<{ pages: Array<{ bytes: number; page: Page }>; seen: number[] }> {
    const pages: Array<{ bytes: number; page: Page }> = [];
    const seen: number[] = [];
    let cursor: number | null = null;
    do {
      const res = await gw.request(`/api/v1/oasis/events?source=big&limit=1000&${query}${cursor === null ? '' : `&before=${cursor}`}`);
      expect(res.status).toBe(200);
      const text = await res.text();
      const page = JSON.parse(text) as Page;
      pages.push({ bytes: Buffer.byteLength(text), page });
      seen.push(...page.data.map((e) => e.id));
      cursor = page.nextCursor;
      expect(pages.length).toBeLessThan(ROWS);
    } while (cursor !== null);
    return { pages, seen };
  }

  it('include=payload&limit=1000: pages under the cap (one larger event alone), cursors reach every row exactly once, newest first', async () => {
    const { pages, seen } = await readAll('include=payload');
    expect(seen).toEqual(ids);
    for (const { bytes, page } of pages) {
      if (page.data.length > 1) expect(bytes).toBeLessThanOrEqual(MAX_BYTES);
      // Cut for size, with a cursor to the rest, or the last page.
      if (page.nextCursor !== null) expect(page.nextCursor).toBe(page.data[page.data.length - 1]!.id);
    }
    // Full pages: the cap is used, not a fraction of it.
    expect(pages[0]!.bytes).toBeGreaterThan(MAX_BYTES * 0.8);
    expect(pages.length).toBeGreaterThan(5);
    const alone = pages.find(({ page }) => page.data.some((e) => e.id === hugeId))!;
    expect(alone.page.data).toHaveLength(1);
    expect(alone.bytes).toBeGreaterThan(MAX_BYTES);
    // The documents come back exactly as stored.
    const byId = new Map(pages.flatMap(({ page }) => page.data.map((e) => [e.id, e] as const)));
    expect(byId.get(hugeId)!.payload).toEqual({ n: 0, blob: 'h'.repeat(2 * MAX_BYTES) });
    expect(byId.get(ids[ids.length - 1]!)).toMatchObject({ payload: { n: 1, blob: 'é'.repeat(BLOB / 2) }, metadata: { n: 1, blob: 'm'.repeat(BLOB / 4) } });
  });

  it('without payloads, large metadata is bounded the same way', async () => {
    const { pages, seen } = await readAll('');
    expect(seen).toEqual(ids);
    for (const { bytes, page } of pages) if (page.data.length > 1) expect(bytes).toBeLessThanOrEqual(MAX_BYTES);
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.every(({ page }) => page.data.every((e) => e.payload === undefined))).toBe(true);
  });

  it('a page that fits is unchanged: limit events, a cursor only when full', async () => {
    const full = JSON.parse(await (await gw.request('/api/v1/oasis/events?source=big&limit=3')).text()) as Page;
    expect(full.data.map((e) => e.id)).toEqual(ids.slice(0, 3));
    expect(full.nextCursor).toBe(ids[2]);
    const last = JSON.parse(await (await gw.request(`/api/v1/oasis/events?source=big&limit=50&before=${ids[ids.length - 3]}`)).text()) as Page;
    expect(last.data.map((e) => e.id)).toEqual(ids.slice(-2));
    expect(last.nextCursor).toBeNull();
  });
});
