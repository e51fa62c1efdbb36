import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../runtime/core/log.js';
import { loadReconcilerConfig } from '../../runtime/reconciler/config.js';
import type { PassResult } from '../../runtime/reconciler/pass.js';
import { composeReconciler } from '../../runtime/reconciler/start.js';
import { HAS_PG } from '../helpers/db.js';
import { json, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { postWebhook } from '../helpers/github.js';
import { startFakeGithub, type FakeGithub } from '../helpers/github-rest-server.js';
import { TEST_WEBHOOK_SECRET } from '../helpers/tokens.js';

/**
 * Reconcile passes end to end: the real gateway on a real PostgreSQL database (it holds some
 * deliveries already, posted as GitHub posts them), a local GitHub REST API that lists the hooks'
 * deliveries and, on an attempt, delivers the payload to the gateway for real, and the reconciler
 * (real @octokit/rest) writing its own events into the same table.
 */

const TOKEN = 'ghp_passtesttoken0123456789abcdefghijkl';
const MINUTE = 60_000;
const ago = (minutes: number) => new Date(Date.now() - minutes * MINUTE);

let gateway: TestGateway;
let github: FakeGithub;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  if (!HAS_PG) return;
  [gateway, github] = await Promise.all([startTestGateway({ backend: 'pg' }), startFakeGithub({ token: TOKEN })]);
});
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});
afterAll(async () => {
  await Promise.all([gateway?.close(), github?.close()]);
});

function reconcilerFor(hooks: string, env: Record<string, string> = {}) {
  const logger = createMemoryLogger();
  const config = loadReconcilerConfig({
    DATABASE_URL: gateway.databaseUrl,
    RECONCILE_HOOKS: hooks,
    GITHUB_TOKEN: TOKEN,
    GITHUB_API_URL: github.url,
    ...env,
  });
  const composed = composeReconciler(config, { logger });
  closers.push(composed.close);
  return { reconcile: () => composed.reconciler.reconcile(), logger };
}

/** The reconciler's events (newest last) through the gateway's own query API. */
async function reconcilerEvents(kind?: string): Promise<Array<Record<string, any>>> {
  const query = new URLSearchParams({ source: 'github.reconciler', limit: '1000', ...(kind ? { kind } : {}) });
  const body = await json(await gateway.request(`/api/v1/oasis/events?${query}`));
  return (body.data as Array<Record<string, any>>).reverse();
}

async function storedGuids(guids: string[]): Promise<string[]> {
  const { rows } = await gateway.db.query<{ external_id: string }>(
    'select external_id from public.oasis_events where external_id = any($1::text[]) order by external_id',
    [guids],
  );
  return rows.map((row) => row.external_id);
}

/** A delivery GitHub made and the gateway stored (so OASIS holds its GUID). */
async function heldDelivery(spec: string, event: string, statusCode = 200) {
  const delivery = github.addDelivery(spec, { event, statusCode, deliveredAt: ago(30) });
  const response = await postWebhook(gateway.url, { event, payload: { zen: 'held' }, deliveryId: delivery.guid });
  expect(response.status).toBe(200);
  return delivery;
}

describe.skipIf(!HAS_PG)('reconcile pass (PostgreSQL, local GitHub API)', () => {
  it('redelivers failed and missing deliveries, leaves held ones alone, and a second pass asks for nothing new', async () => {
    const spec = 'repo:acme/api/101';
    github.addHook(spec);
    github.onAttempt({ kind: 'deliver', url: gateway.url, secret: TEST_WEBHOOK_SECRET });
    const held = await heldDelivery(spec, 'push');
    // GitHub saw a 503, but the commit landed: OASIS holds it, so it is not redelivered.
    const heldDespite503 = await heldDelivery(spec, 'workflow_run', 503);
    const failed = github.addDelivery(spec, { event: 'workflow_run', action: 'completed', statusCode: 502, deliveredAt: ago(20), payload: { workflow_run: { id: 1 } } });
    const missing = github.addDelivery(spec, { event: 'pull_request', action: 'opened', statusCode: 200, deliveredAt: ago(10), payload: { action: 'opened' } });
    const tooOld = github.addDelivery(spec, { event: 'push', statusCode: 502, deliveredAt: ago(180) });
    const { reconcile } = reconcilerFor(spec, { RECONCILE_LOOKBACK_MINUTES: '120' });

    const first = await reconcile();
    expect(first.hooks).toEqual([
      expect.objectContaining({ hook: spec, outcome: 'read', pages: 1, truncated: false, listed: 4, deliveries: 4, held: 2, redelivered: 2, pending: 0 }),
    ]);
    // Oldest first; the delivery outside the window is left alone.
    expect(github.attempts.map((a) => a.guid)).toEqual([failed.guid, missing.guid]);
    // GitHub delivered them again and the gateway stored them: OASIS holds every GUID of the window.
    expect(await storedGuids([held.guid, heldDespite503.guid, failed.guid, missing.guid, tooOld.guid])).toEqual(
      [held.guid, heldDespite503.guid, failed.guid, missing.guid].sort(),
    );
    const redelivered = await reconcilerEvents('delivery.redelivered');
    expect(redelivered.map((e) => [e.metadata.guid, e.metadata.reason, e.status, e.repo])).toEqual([
      [failed.guid, 'failed', 'info', 'acme/api'],
      [missing.guid, 'missing', 'info', 'acme/api'],
    ]);
    expect(redelivered[0]).toMatchObject({
      vtid: 'UNSET',
      tenant: 'system',
      kind: 'delivery.redelivered',
      externalId: `${spec}/${failed.guid}/${failed.id}`,
      metadata: { hook: spec, event: 'workflow_run', action: 'completed', statusCode: 502, deliveryId: failed.id, passId: first.passId },
    });
    const completed = await reconcilerEvents('reconcile.completed');
    expect(completed.at(-1)).toMatchObject({ status: 'success', externalId: `pass/${first.passId}/completed`, metadata: { totals: { redelivered: 2, held: 2 } } });

    const second = await reconcile();
    expect(second.totals).toMatchObject({ held: 4, redelivered: 0, pending: 0, deferred: 0 });
    expect(github.attempts).toHaveLength(2);
    expect(await reconcilerEvents('delivery.redelivered')).toHaveLength(2);
  });

  it('remembers a redelivery GitHub has not listed yet, asks again after a failed one, and gives up at RECONCILE_MAX_ATTEMPTS', async () => {
    const spec = 'org:acme/202';
    github.addHook(spec);
    github.onAttempt({ kind: 'queue' });
    const failed = github.addDelivery(spec, { event: 'push', statusCode: 504, deliveredAt: ago(15) });
    const { reconcile } = reconcilerFor(spec, { RECONCILE_MAX_ATTEMPTS: '2' });
    const attemptsOf = () => github.attempts.filter((a) => a.hook === spec).map((a) => a.deliveryId);

    expect((await reconcile()).totals).toMatchObject({ redelivered: 1 });
    // Queued at GitHub, not listed yet: the second pass knows it asked already.
    expect((await reconcile()).totals).toMatchObject({ redelivered: 0, pending: 1 });
    expect(attemptsOf()).toEqual([failed.id]);

    // The redelivery was attempted and failed (we were still down): asked for again, from the new attempt.
    const retry = github.addDelivery(spec, { guid: failed.guid, event: 'push', statusCode: 502, redelivery: true, deliveredAt: ago(5) });
    expect((await reconcile()).totals).toMatchObject({ redelivered: 1 });
    expect(attemptsOf()).toEqual([failed.id, retry.id]);

    github.addDelivery(spec, { guid: failed.guid, event: 'push', statusCode: 502, redelivery: true, deliveredAt: ago(1) });
    expect((await reconcile()).totals).toMatchObject({ redelivered: 0, abandoned: 1 });
    expect((await reconcile()).totals).toMatchObject({ redelivered: 0, abandoned: 1 });
    expect(attemptsOf()).toHaveLength(2);
    const abandoned = await reconcilerEvents('delivery.abandoned');
    expect(abandoned.map((e) => [e.metadata.guid, e.status, e.metadata.redeliveries])).toEqual([[failed.guid, 'failure', 2]]);
  });

  it('follows the cursor pages within RECONCILE_MAX_PAGES, stops at the window, and defers past RECONCILE_MAX_REDELIVERIES', async () => {
    const busy = 'repo:acme/busy/303';
    const quiet = 'repo:acme/quiet/304';
    github.addHook(busy);
    github.addHook(quiet);
    github.onAttempt({ kind: 'queue' });
    const busyDeliveries = Array.from({ length: 25 }, (_, i) => github.addDelivery(busy, { statusCode: 500, deliveredAt: ago(100 - i) }));
    for (let i = 0; i < 10; i++) github.addDelivery(quiet, { statusCode: 502, deliveredAt: ago(300 - i) });
    const quietInWindow = Array.from({ length: 4 }, (_, i) => github.addDelivery(quiet, { statusCode: 502, deliveredAt: ago(50 - i) }));
    const { reconcile } = reconcilerFor(`${busy},${quiet}`, {
      RECONCILE_LOOKBACK_MINUTES: '120',
      RECONCILE_PAGE_SIZE: '3',
      RECONCILE_MAX_PAGES: '4',
      RECONCILE_MAX_REDELIVERIES: '5',
    });
    const before = github.requests.length;

    const result = await reconcile();
    const [busyResult, quietResult] = result.hooks;
    // 4 pages of 3 of the 25: the cap ends the listing, the rest waits for the next pass.
    expect(busyResult).toMatchObject({ outcome: 'read', pages: 4, truncated: true, listed: 12, redelivered: 5, deferred: 7 });
    // The 4 recent ones fill page 1 and part of page 2; page 2 reaches past the window, so no page 3.
    expect(quietResult).toMatchObject({ outcome: 'read', pages: 2, truncated: false, listed: 4, redelivered: 0, deferred: 4 });
    // The 5 requests went to the oldest of the 12 listed.
    expect(github.attempts.slice(-5).map((a) => a.deliveryId)).toEqual(busyDeliveries.slice(13, 18).map((d) => d.id));
    const lists = github.requests.slice(before).filter((r) => r.method === 'GET');
    expect(lists.map((r) => [r.path, r.query.per_page, r.query.cursor ?? null])).toEqual([
      ['/repos/acme/busy/hooks/303/deliveries', '3', null],
      ['/repos/acme/busy/hooks/303/deliveries', '3', `v1_${busyDeliveries[21]!.id}`],
      ['/repos/acme/busy/hooks/303/deliveries', '3', `v1_${busyDeliveries[18]!.id}`],
      ['/repos/acme/busy/hooks/303/deliveries', '3', `v1_${busyDeliveries[15]!.id}`],
      ['/repos/acme/quiet/hooks/304/deliveries', '3', null],
      ['/repos/acme/quiet/hooks/304/deliveries', '3', `v1_${quietInWindow[0]!.id}`],
    ]);
  });

  it('reports a deleted hook with a hook.missing event and goes on with the others', async () => {
    const gone = 'repo:acme/gone/404';
    const alive = 'repo:acme/alive/405';
    github.addHook(gone);
    github.deleteHook(gone);
    github.addHook(alive);
    github.onAttempt({ kind: 'queue' });
    const failed = github.addDelivery(alive, { statusCode: 502, deliveredAt: ago(3) });
    const { reconcile, logger } = reconcilerFor(`${gone},${alive}`);

    const result = await reconcile();
    expect(result.hooks.map((h) => [h.hook, h.outcome, h.redelivered])).toEqual([
      [gone, 'missing', 0],
      [alive, 'read', 1],
    ]);
    expect(github.attempts.at(-1)).toMatchObject({ hook: alive, deliveryId: failed.id });
    const missing = await reconcilerEvents('hook.missing');
    expect(missing.at(-1)).toMatchObject({ status: 'failure', repo: 'acme/gone', metadata: { hook: gone, passId: result.passId } });
    expect((await reconcilerEvents('reconcile.completed')).at(-1)).toMatchObject({ status: 'failure', metadata: { hooksFailed: 1, hooksRead: 1 } });
    expect(logger.lines.find((line) => line.message === 'hook not found: skipped')).toMatchObject({ severity: 'WARNING', hook: gone });
    expect(JSON.stringify(logger.lines)).not.toContain(TOKEN);
  });
});

describe.skipIf(!HAS_PG)('reconcile pass under GitHub rate limits (PostgreSQL, local GitHub API)', () => {
  let oasis: TestGateway;
  let api: FakeGithub;
  beforeAll(async () => {
    if (HAS_PG) oasis = await startTestGateway({ backend: 'pg' });
  });
  afterEach(async () => {
    await api?.close();
    // A rate limit recorded by one case would hold back the passes of the next.
    await oasis?.db.query("delete from public.oasis_events where source = 'github.reconciler'");
  });
  afterAll(async () => {
    await oasis?.close();
  });

  async function setUp(): Promise<(hooks: string) => Promise<PassResult>> {
    api = await startFakeGithub({ token: TOKEN });
    api.onAttempt({ kind: 'queue' });
    return async (hooks) => {
      const composed = composeReconciler(
        loadReconcilerConfig({ DATABASE_URL: oasis.databaseUrl, RECONCILE_HOOKS: hooks, GITHUB_TOKEN: TOKEN, GITHUB_API_URL: api.url }),
        { logger: createMemoryLogger() },
      );
      closers.push(composed.close);
      return composed.reconciler.reconcile();
    };
  }

  const rateLimitedEvents = async () =>
    (await oasis.db.query<Record<string, any>>("select status, metadata from public.oasis_events where kind = 'reconcile.rate_limited'")).rows;

  it('stops the pass at a 403 with x-ratelimit-remaining 0, reports the wait, and skips GitHub until the reset', async () => {
    const reconcile = await setUp();
    for (const spec of ['repo:acme/a/1', 'repo:acme/b/2']) {
      api.addHook(spec);
      api.addDelivery(spec, { statusCode: 502 });
      api.addDelivery(spec, { statusCode: 502 });
    }
    // The list of the first hook goes through; its first redelivery request hits the limit.
    api.limitAfter(1, { kind: 'primary', resetInSeconds: 600 });

    const result = await reconcile('repo:acme/a/1,repo:acme/b/2');
    expect(result.rateLimited).toMatchObject({ limit: 'primary', hook: 'repo:acme/a/1' });
    expect(result.rateLimited!.retryAfterSeconds).toBeGreaterThan(500);
    expect(result.hooks.map((h) => [h.hook, h.outcome, h.redelivered])).toEqual([
      ['repo:acme/a/1', 'rate_limited', 0],
      ['repo:acme/b/2', 'not_reached', 0],
    ]);
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /repos/acme/a/hooks/1/deliveries', expect.stringMatching(/^POST .*\/attempts$/)]);
    const events = await rateLimitedEvents();
    expect(events).toEqual([expect.objectContaining({ status: 'cancelled', metadata: expect.objectContaining({ limit: 'primary', until: result.rateLimited!.until }) })]);
    expect(await oasis.db.query("select 1 from public.oasis_events where kind = 'reconcile.completed'")).toMatchObject({ rowCount: 0 });

    // The next pass (the next Scheduler run, or another instance) does not call GitHub before the reset.
    const next = await reconcile('repo:acme/a/1,repo:acme/b/2');
    expect(next).toMatchObject({ skipped: true, rateLimited: { until: result.rateLimited!.until, limit: 'primary', hook: 'repo:acme/a/1' } });
    expect(api.requests).toHaveLength(2);
  });

  it('stops at a 429 with retry-after and says how long to wait', async () => {
    const reconcile = await setUp();
    api.addHook('org:acme/9');
    api.limitAfter(0, { kind: 'retry-after', status: 429, seconds: 90 });
    const result = await reconcile('org:acme/9');
    expect(result.rateLimited).toMatchObject({ limit: 'secondary', retryAfterSeconds: 90, hook: 'org:acme/9' });
    expect(await rateLimitedEvents()).toEqual([expect.objectContaining({ metadata: expect.objectContaining({ retryAfterSeconds: 90, limit: 'secondary' }) })]);
    expect(api.requests).toHaveLength(1);
  });

  it('does not send the request a spent quota would refuse', async () => {
    const reconcile = await setUp();
    api.addHook('repo:acme/c/3');
    api.addDelivery('repo:acme/c/3', { statusCode: 502 });
    api.setQuota(1, 900);
    const result = await reconcile('repo:acme/c/3');
    expect(result.rateLimited).toMatchObject({ limit: 'primary' });
    expect(api.requests.map((r) => r.method)).toEqual(['GET']);
    expect(api.attempts).toEqual([]);
  });
});
