import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PAYLOAD_DEPTH } from '../../runtime/github/body.js';
import { BACKENDS } from '../helpers/db.js';
import { json, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { postWebhook } from '../helpers/github.js';

/**
 * Issue 12, item 3: JSON nested thousands of levels deep is answered with a 4xx that says why, or
 * stored and served; never a 500 (JSON.stringify, jsonb and recursive code all have stack limits).
 */

const nested = (depth: number, inner = '1') => `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`;
const countEvents = async (gw: TestGateway) => (await gw.db.query<{ n: number }>('select count(*)::int as n from oasis_events')).rows[0]!.n;

describe.each(BACKENDS)('deeply nested JSON (%s)', (backend) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ backend });
  });
  afterAll(() => gw.close());

  it.each([5_000, 100_000])('a signed delivery nested %i levels: 422 payload_too_deep, nothing stored', async (depth) => {
    const before = await countEvents(gw);
    for (const contentType of ['json', 'form'] as const) {
      const body = `{"action":"deep","client_payload":${nested(depth)}}`;
      const deep = await postWebhook(gw.url, { event: 'repository_dispatch', contentType, body: contentType === 'form' ? new URLSearchParams({ payload: body }).toString() : body });
      expect(deep.status).toBe(422);
      expect(await json(deep)).toEqual({
        ok: false,
        error: { code: 'payload_too_deep', message: `the delivery payload nests deeper than ${MAX_PAYLOAD_DEPTH} levels, more than OASIS stores; nothing was stored` },
      });
    }
    expect(await countEvents(gw)).toBe(before);
  });

  it(`a delivery nested exactly ${MAX_PAYLOAD_DEPTH} levels (brackets inside strings do not count) is stored and served back whole`, async () => {
    // The object itself is level 1.
    const body = `{"action":"deep","note":"[[[[{{{{\\"[[[","client_payload":${nested(MAX_PAYLOAD_DEPTH - 1)}}`;
    const res = await postWebhook(gw.url, { event: 'repository_dispatch', body });
    expect(res.status).toBe(200);
    const { id } = await json(res);
    const page = await gw.request(`/api/v1/oasis/events?include=payload&before=${id + 1}&limit=1`);
    expect(page.status).toBe(200);
    expect((await json(page)).data[0].payload).toEqual(JSON.parse(body));
  });

  it('an ingest body nested 5,000 levels (in metadata, or in an unknown field): 400 naming the field, nothing stored', async () => {
    const before = await countEvents(gw);
    for (const [raw, message] of [
      [`{"source":"s","kind":"k","metadata":{"a":${nested(5_000)}}}`, /^metadata\.a(\.0)+: must not nest deeper than 32 levels$/],
      [`{"source":"s","kind":"k","deep":${nested(5_000)}}`, /Unrecognized key: "deep"/],
      [nested(5_000), /expected object/i],
    ] as const) {
      const res = await gw.request('/events/ingest', { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw });
      expect(res.status).toBe(400);
      const answer = await json(res);
      expect(answer.error.code).toBe('invalid_request');
      expect(answer.error.message).toMatch(message);
    }
    expect(await countEvents(gw)).toBe(before);
  });

  it('a payload nested 5,000 levels written by another writer (not through the gateway) is served by the query API, not a 500', async () => {
    const payload = `{"deep":${nested(5_000)}}`;
    const { rows } = await gw.db.query<{ id: number }>(
      `insert into oasis_events (vtid, source, kind, status, tenant, metadata, payload) values ('UNSET', 'elsewhere', 'deep', 'info', 'system', $1::jsonb, $2::jsonb) returning id`,
      [`{"deep":${nested(5_000)}}`, payload],
    );
    const res = await gw.request(`/api/v1/oasis/events?include=payload&source=elsewhere`);
    expect(res.status).toBe(200);
    const text = await res.text();
    const event = (JSON.parse(text) as { data: Array<{ id: number; metadata: unknown; payload: unknown }> }).data[0]!;
    expect(event.id).toBe(Number(rows[0]!.id));
    // Compared as text: JSON.stringify itself cannot serialize 5,000 levels.
    expect(text.replace(/\s/g, '')).toContain(`"metadata":${payload},`);
    expect(text.replace(/\s/g, '')).toContain(`"payload":${payload}}`);
  });
});
