import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/db.js';
import { json, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { githubFixture, postWebhook } from '../helpers/github.js';

/**
 * A VTID-shaped token of absurd length (issue 12, item 2): it used to reach the database as a vtid
 * longer than its btree index or its column check allows, and the write failed with a 500. It is not
 * a VTID: a delivery carrying one is stored untagged; an API caller naming one is told 400.
 */

const absurd = `VTID-2026-${'7'.repeat(3_000)}`;

describe.each(BACKENDS)('crafted VTID-shaped tokens on %s', (backend) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ backend });
  });
  afterAll(() => gw.close());

  const rows = async () => Number((await gw.db.query<{ n: number }>('select count(*)::int as n from oasis_events')).rows[0]!.n);

  it('a signed push whose commit message holds VTID-2026- and 3,000 digits is stored, untagged (not a 500)', async () => {
    const { event, payload } = githubFixture('push.branch');
    const crafted = structuredClone(payload) as Record<string, any>;
    crafted.ref = 'refs/heads/feature/no-id-here';
    for (const commit of crafted.commits ?? []) commit.message = `fix ${absurd}`;
    if (crafted.head_commit) crafted.head_commit.message = `fix ${absurd}`;
    const deliveryId = randomUUID();
    const res = await postWebhook(gw.url, { event, payload: crafted, deliveryId });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ ok: true, duplicate: false, vtid: 'UNSET' });
  });

  it('a signed pull request labelled layer:/module: with 3,000 letters is stored, without that layer (not a 500)', async () => {
    // Letters in no pattern: a repeated one compresses to nothing in the index and hid this (found by test/hostile).
    let x = 1;
    const letters = Array.from({ length: 3_000 }, () => String.fromCharCode(65 + ((x = (x * 1_103_515_245 + 12_345) % 2 ** 31) >>> 16) % 26)).join('');
    const { event, payload } = githubFixture('pull_request.opened');
    const crafted = structuredClone(payload) as Record<string, any>;
    crafted.pull_request.title = 'no id here';
    crafted.pull_request.head.ref = 'feature/no-id';
    crafted.pull_request.labels = [{ name: `layer:${letters}` }, { name: `module:${letters}` }];
    const res = await postWebhook(gw.url, { event, payload: crafted, deliveryId: randomUUID() });
    expect(res.status).toBe(200);
    const { rows: stored } = await gw.db.query<{ layer: string | null; module: string | null }>('select layer, module from oasis_events where id = $1', [(await json(res)).id]);
    expect(stored).toEqual([{ layer: null, module: null }]);
  });

  it('ingest naming such a vtid is 400 and writes nothing', async () => {
    const before = await rows();
    const res = await gw.request('/events/ingest', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ source: 'agent.crafted', kind: 'k', vtid: absurd.slice(0, 2_700) }),
    });
    expect(res.status).toBe(400);
    expect((await json(res)).error).toMatchObject({ code: 'invalid_request', message: expect.stringMatching(/vtid/) });
    expect(await rows()).toBe(before);
  });

  it('a heartbeat naming a VTID-shaped task longer than an agent row can hold is 400 and writes nothing', async () => {
    const before = await rows();
    const res = await gw.request('/api/v1/agents/heartbeat', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ agent: 'crafted-agent', vtid: `${'A'.repeat(30)}-${'B'.repeat(30)}-0031`, intervalMs: 60_000 }),
    });
    expect(res.status).toBe(400);
    expect((await json(res)).error.message).toMatch(/vtid/);
    expect(await rows()).toBe(before);
    const { rows: agents } = await gw.db.query(`select 1 from oasis_agents where agent = 'crafted-agent'`);
    expect(agents).toEqual([]);
  });

  it('a heartbeat whose tenant holds a NUL is 400 and writes nothing', async () => {
    const before = await rows();
    const res = await gw.request('/api/v1/agents/heartbeat', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ agent: 'nul-tenant-agent', vtid: 'IDLE', tenant: 'be\u0000ta' }),
    });
    expect(res.status).toBe(400);
    expect((await json(res)).error.message).toMatch(/tenant/);
    expect(await rows()).toBe(before);
    expect((await gw.db.query(`select 1 from oasis_agents where agent = 'nul-tenant-agent'`)).rows).toEqual([]);
  });
});
