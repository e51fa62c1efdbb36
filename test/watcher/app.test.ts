import { status as grpcStatus } from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../runtime/core/log.js';
import { deployLogFilter } from '../../runtime/watcher/audit-log.js';
import { loadWatcherConfig } from '../../runtime/watcher/config.js';
import { startWatcher, type RunningWatcher, type StartWatcherOptions } from '../../runtime/watcher/start.js';
import { contractFetch } from '../helpers/contract.js';
import { json, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startLoggingServer, type LocalLoggingServer, type LogEntryJson } from '../../scripts/demo/cloud-logging-server.js';
import { allFixtures, variant } from './fixtures.js';

/**
 * End to end: the watcher service (real HTTP) reads with the real @google-cloud/logging client from the
 * local gRPC LoggingServiceV2 and publishes to the real gateway (embedded database). Assertions look at
 * what Logging was asked and at the events the gateway stored, through its query API.
 */

const NOW = new Date('2026-03-14T10:30:00.000Z');
const PROJECT = 'vitana-dev';

let logging: LocalLoggingServer;
let gateway: TestGateway;
const watchers: RunningWatcher[] = [];

beforeAll(async () => {
  [logging, gateway] = await Promise.all([startLoggingServer(), startTestGateway()]);
});

afterEach(async () => {
  await Promise.all(watchers.splice(0).map((w) => w.shutdown()));
  // One gateway for the file (starting one migrates a fresh database); each test starts with no events.
  await gateway.db.query('delete from oasis_events');
  logging.requests.length = 0;
  logging.clearFailures();
  logging.setMaxPageSize(undefined);
  logging.setEmptyFirstPage(false);
  logging.setEntries([]);
});

afterAll(async () => {
  await Promise.all([logging.close(), gateway.close()]);
});

interface Setup {
  env?: Record<string, string>;
  options?: Partial<StartWatcherOptions>;
  gatewayUrl?: string;
  loggingEndpoint?: string;
}

async function setup(setupOptions: Setup = {}) {
  const logger = createMemoryLogger();
  const config = loadWatcherConfig({
    PORT: '0',
    GOOGLE_CLOUD_PROJECT: PROJECT,
    GATEWAY_URL: setupOptions.gatewayUrl ?? gateway.url,
    SUPABASE_SERVICE_ROLE: gateway.serviceToken,
    CLOUD_LOGGING_ENDPOINT: setupOptions.loggingEndpoint ?? logging.endpoint,
    WATCHER_QUOTA_BACKOFF_MS: '10',
    SHUTDOWN_GRACE_MS: '1000',
    ...setupOptions.env,
  });
  // The watcher's own requests to the gateway are checked against the OpenAPI spec as well.
  const watcher = await startWatcher(config, { logger, hostname: '127.0.0.1', now: () => NOW, fetch: contractFetch, ...setupOptions.options });
  watchers.push(watcher);
  const poll = async () => {
    const response = await fetch(`${watcher.url}/poll`, { method: 'POST' });
    return { status: response.status, headers: response.headers, body: await json(response) };
  };
  return { watcher, poll, logger, gateway };
}

async function storedEvents(g: TestGateway): Promise<Array<Record<string, any>>> {
  const response = await g.request('/api/v1/oasis/events?source=gcp.cloudrun&limit=1000');
  expect(response.status).toBe(200);
  const body = await json(response);
  return (body.data as Array<Record<string, any>>).slice().reverse(); // oldest (lowest id) first
}

/** n copies of the v1 success fixture, one second apart from 10:01:00. */
function manyEntries(n: number): LogEntryJson[] {
  return Array.from({ length: n }, (_, i) =>
    variant('v1-replace-service-success', `bulk-${String(i).padStart(3, '0')}`, new Date(Date.parse('2026-03-14T10:01:00Z') + i * 1000).toISOString()),
  );
}

describe('POST /poll end to end (real client, local Logging, real gateway)', () => {
  it('first run: reads the lookback window oldest first and publishes one event per entry', async () => {
    logging.setEntries(allFixtures());
    const { poll, gateway: g } = await setup();
    const result = await poll();
    expect(result.status).toBe(200);
    expect(result.body).toEqual({
      ok: true,
      scanned: 6,
      published: 6,
      duplicates: 0,
      skipped: 0,
      rejected: 0,
      pages: 1,
      truncated: false,
      from: '2026-03-14T09:30:00.000Z',
      to: '2026-03-14T10:30:00.000Z',
      resumeFrom: '2026-03-14T10:20:44.200Z',
    });

    // What the watcher asked Cloud Logging for.
    expect(logging.requests).toHaveLength(1);
    expect(logging.requests[0]).toMatchObject({
      resourceNames: [`projects/${PROJECT}`],
      filter: deployLogFilter({ projectId: PROJECT, from: new Date('2026-03-14T09:30:00Z'), to: NOW }),
      orderBy: 'timestamp asc',
      pageSize: 1000,
      pageToken: '',
    });
    expect(logging.requests[0]!.filter).toMatch(/^timestamp >= "2026-03-14T09:30:00.000Z" AND timestamp <= "2026-03-14T10:30:00.000Z" AND /);

    // What reached the gateway, in the order it was published.
    const events = await storedEvents(g);
    expect(events.map((e) => [e.externalId, e.status, e.vtid, e.layer, e.module, e.ts])).toEqual([
      ['-r5x2k1d3h7a', 'in_progress', 'VTID-2026-0042', 'INFRA', 'GATEWAY', '2026-03-14T10:00:01.012Z'],
      ['oq1f8ne2kfx3', 'success', 'VTID-2026-0042', 'INFRA', 'GATEWAY', '2026-03-14T10:00:31.610Z'],
      ['-8h2m1tc9q4e', 'failure', 'VTID-2026-0043', 'INFRA', 'GATEWAY', '2026-03-14T10:05:00.250Z'],
      ['1a2b3c4d5e6f7', 'in_progress', 'VTID-2026-0107', 'AGENTS', 'PLANNER', '2026-03-14T10:10:01.500Z'],
      ['-k3j9x0b2c1pq', 'in_progress', 'UNSET', null, null, '2026-03-14T10:15:00.100Z'],
      ['w4tgz9e1xm0b', 'failure', 'DEV-CICDL-0031', 'DEV', 'CICDL', '2026-03-14T10:20:44.200Z'],
    ]);
    for (const event of events) {
      expect(event.source).toBe('gcp.cloudrun');
      expect(event.kind).toBe('deploy');
    }
    const success = events[1]!;
    expect(success.title).toBe('Deploy vitana-gateway rev vitana-gateway-00042-abc: success');
    expect(success.actor).toBe('deployer@vitana-dev.iam.gserviceaccount.com');
    expect(success.url).toBe('https://console.cloud.google.com/run/detail/us-central1/vitana-gateway/revisions?project=vitana-dev');
    expect(success.metadata).toMatchObject({
      log: 'system_event',
      service: 'vitana-gateway',
      region: 'us-central1',
      revision: 'vitana-gateway-00042-abc',
      image: expect.stringContaining('oasis/gateway@sha256:'),
      labels: expect.objectContaining({ vtid: 'vtid-2026-0042', vt_layer: 'infra' }),
      condition: { type: 'Ready', status: 'True' },
    });
    expect(events[2]!.metadata.error).toEqual({ code: 3, message: expect.stringContaining('Invalid image name') });
    expect(events[3]!.metadata).toMatchObject({ method: 'google.cloud.run.v2.Services.UpdateService', region: 'europe-west1' });
    expect(events[4]!.title).toBe('Deploy vitana-console: in_progress');
    expect(events[5]!.actor).toBe('dana@vitana.dev');
  });

  it('re-polls are idempotent: the next poll starts at the newest event minus the overlap and publishes nothing new', async () => {
    logging.setEntries(allFixtures());
    const { poll, gateway: g } = await setup();
    expect((await poll()).body.published).toBe(6);

    const second = await poll();
    expect(second.status).toBe(200);
    // newest stored ts 10:20:44.200, minus 10 minutes of overlap.
    expect(second.body).toMatchObject({ scanned: 2, published: 0, duplicates: 2, from: '2026-03-14T10:10:44.200Z', to: NOW.toISOString() });
    expect(logging.requests[1]!.filter).toContain('timestamp >= "2026-03-14T10:10:44.200Z"');
    expect(await storedEvents(g)).toHaveLength(6);

    // A new deploy lands; the next poll publishes just that one.
    logging.addEntries([variant('v2-update-service', 'late-arrival', '2026-03-14T10:25:00.000Z')]);
    const third = await poll();
    expect(third.body).toMatchObject({ scanned: 3, published: 1, duplicates: 2 });
    expect((await storedEvents(g)).map((e) => e.externalId).at(-1)).toBe('late-arrival');
  });

  it('a full re-read (overlap wider than the data) stores nothing twice', async () => {
    logging.setEntries(allFixtures());
    const { poll, gateway: g } = await setup({ env: { WATCHER_OVERLAP_MINUTES: '60' } });
    expect((await poll()).body.published).toBe(6);
    expect((await poll()).body).toMatchObject({ scanned: 6, published: 0, duplicates: 6 });
    const rows = await g.db.query<{ n: number }>(`select count(*)::int as n from oasis_events where source = 'gcp.cloudrun'`);
    expect(rows.rows[0]!.n).toBe(6);
  });

  it('several pages: follows nextPageToken (also past an empty page) with the same filter', async () => {
    const entries = [...allFixtures(), ...manyEntries(25)];
    logging.setEntries(entries);
    logging.setMaxPageSize(10);
    logging.setEmptyFirstPage(true);
    const { poll, gateway: g } = await setup();
    const result = await poll();
    expect(result.body).toMatchObject({ scanned: 31, published: 31, duplicates: 0, pages: 5, truncated: false });
    expect(logging.requests.map((r) => r.pageToken)).toEqual(['', '0', '10', '20', '30']);
    expect(new Set(logging.requests.map((r) => r.filter)).size).toBe(1);
    expect(logging.requests.every((r) => r.orderBy === 'timestamp asc' && r.pageSize === 1000)).toBe(true);
    const events = await storedEvents(g);
    expect(events).toHaveLength(31);
    // Published in timestamp order.
    const times = events.map((e) => Date.parse(e.ts));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('the page cap ends a poll early, says so, and the next poll continues from the last published ts', async () => {
    logging.setEntries(manyEntries(25));
    logging.setMaxPageSize(10);
    const { poll } = await setup({ env: { WATCHER_MAX_PAGES: '2', WATCHER_OVERLAP_MINUTES: '0' } });
    const first = await poll();
    expect(first.body).toMatchObject({ scanned: 20, published: 20, pages: 2, truncated: true, resumeFrom: '2026-03-14T10:01:19.000Z' });
    expect(logging.requests).toHaveLength(2);

    const second = await poll();
    // Starts exactly at the last published ts (overlap 0): that entry again (duplicate) and the 5 after it.
    expect(second.body).toMatchObject({ from: '2026-03-14T10:01:19.000Z', scanned: 6, published: 5, duplicates: 1, pages: 1, truncated: false });
  });

  it('quota: RESOURCE_EXHAUSTED twice is retried with back-off and the poll succeeds', async () => {
    logging.setEntries(allFixtures());
    logging.failWith(grpcStatus.RESOURCE_EXHAUSTED, 2);
    const delays: number[] = [];
    const { poll, logger } = await setup({ options: { sleep: async (ms) => void delays.push(ms) } });
    const result = await poll();
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ published: 6 });
    expect(logging.requests).toHaveLength(3);
    expect(delays).toHaveLength(2);
    expect(delays[0]).toBeGreaterThanOrEqual(10);
    expect(delays[1]).toBeGreaterThanOrEqual(20);
    expect(logger.lines.filter((l) => l.message === 'Cloud Logging quota exhausted; backing off')).toHaveLength(2);
  });

  it('quota: RESOURCE_EXHAUSTED once is retried once', async () => {
    logging.setEntries(allFixtures());
    logging.failWith(grpcStatus.RESOURCE_EXHAUSTED, 1);
    const { poll } = await setup();
    expect((await poll()).body).toMatchObject({ ok: true, published: 6 });
    expect(logging.requests).toHaveLength(2);
  });

  it('quota: still exhausted after the retries is a 503, nothing published, and the next poll catches up', async () => {
    logging.setEntries(allFixtures());
    logging.failWith(grpcStatus.RESOURCE_EXHAUSTED);
    const { poll, gateway: g } = await setup();
    const result = await poll();
    expect(result.status).toBe(503);
    expect(result.headers.get('retry-after')).toBe('60');
    expect(result.body).toEqual({ ok: false, error: { code: 'logging_quota_exhausted', message: expect.stringContaining('quota exhausted after 3 attempts') } });
    expect(logging.requests).toHaveLength(3); // 1 + WATCHER_QUOTA_RETRIES (2)
    expect(await storedEvents(g)).toHaveLength(0);

    logging.clearFailures();
    expect((await poll()).body).toMatchObject({ ok: true, published: 6 });
  });

  it('Logging unreachable: 502, nothing published', async () => {
    const dead = await startLoggingServer();
    const endpoint = dead.endpoint;
    await dead.close();
    const { poll, gateway: g } = await setup({ loggingEndpoint: endpoint });
    const result = await poll();
    expect(result.status).toBe(502);
    expect(result.body).toEqual({ ok: false, error: { code: 'logging_unavailable', message: expect.stringContaining('UNAVAILABLE') } });
    expect(await storedEvents(g)).toHaveLength(0);
  });

  it('Logging failing part-way: 502, what was published stays, the next poll publishes the rest', async () => {
    logging.setEntries(allFixtures());
    logging.setMaxPageSize(3);
    logging.failWith(grpcStatus.UNAVAILABLE, 1, { skip: 1 });
    const { poll, gateway: g } = await setup();
    const failed = await poll();
    expect(failed.status).toBe(502);
    expect(failed.body.error.code).toBe('logging_unavailable');
    expect(await storedEvents(g)).toHaveLength(3);

    const next = await poll();
    expect(next.status).toBe(200);
    // From the newest stored (10:05:00.250) minus 10 min: all six re-read, three of them new.
    expect(next.body).toMatchObject({ scanned: 6, published: 3, duplicates: 3 });
    expect(await storedEvents(g)).toHaveLength(6);
  });

  it('gateway unreachable: 502 before Logging is asked', async () => {
    logging.setEntries(allFixtures());
    const { poll } = await setup({ gatewayUrl: 'http://127.0.0.1:9' });
    const result = await poll();
    expect(result.status).toBe(502);
    expect(result.body).toEqual({ ok: false, error: { code: 'gateway_unavailable', message: expect.stringContaining('gateway unreachable') } });
    expect(logging.requests).toHaveLength(0);
  });

  it('gateway refusing the token: 502 naming the gateway error', async () => {
    logging.setEntries(allFixtures());
    const { poll } = await setup({ env: { SUPABASE_SERVICE_ROLE: 'not-a-jwt' } });
    const result = await poll();
    expect(result.status).toBe(502);
    expect(result.body.error.code).toBe('gateway_unavailable');
    expect(result.body.error.message).toMatch(/401/);
  });

  it('gateway failing part-way: 502, nothing lost, the next poll publishes the rest', async () => {
    logging.setEntries(allFixtures());
    let ingests = 0;
    let broken = true;
    const flakyFetch: typeof fetch = async (input, init) => {
      if (String(input).endsWith('/events/ingest') && broken && ++ingests === 3) throw new TypeError('fetch failed');
      return contractFetch(input, init);
    };
    const { poll, gateway: g } = await setup({ options: { fetch: flakyFetch } });
    const failed = await poll();
    expect(failed.status).toBe(502);
    expect(failed.body.error).toEqual({ code: 'gateway_unavailable', message: expect.stringContaining('fetch failed') });
    expect((await storedEvents(g)).map((e) => e.externalId)).toEqual(['-r5x2k1d3h7a', 'oq1f8ne2kfx3']);

    broken = false;
    const next = await poll();
    expect(next.body).toMatchObject({ scanned: 6, published: 4, duplicates: 2 });
    expect(await storedEvents(g)).toHaveLength(6);
  });

  it('entries that are not deploy events are counted as skipped, not published', async () => {
    const notReady = variant('system-event-ready-true', 'sys-other', '2026-03-14T10:02:00.000Z');
    (notReady.protoPayload as any).status = { message: 'Revision vitana-gateway-00040-old was deleted.' };
    const unknown = variant('system-event-ready-true', 'sys-unknown', '2026-03-14T10:03:00.000Z');
    (unknown.protoPayload as any).status = { message: 'Ready condition status changed to Unknown for Service vitana-gateway.' };
    logging.setEntries([...allFixtures(), notReady, unknown]);
    const { poll } = await setup();
    expect((await poll()).body).toMatchObject({ scanned: 8, published: 6, skipped: 2 });
    expect((await storedEvents(gateway)).map((e) => e.externalId)).not.toContain('sys-other');
  });

  it('an event the gateway refuses as invalid is logged and counted; the poll goes on', async () => {
    logging.setEntries(allFixtures());
    const refusing: typeof fetch = async (input, init) => {
      if (String(input).endsWith('/events/ingest') && String(init?.body).includes('"externalId":"-8h2m1tc9q4e"')) {
        return Response.json({ ok: false, error: { code: 'invalid_request', message: 'title: Too big' } }, { status: 400 });
      }
      return contractFetch(input, init);
    };
    const { poll, logger } = await setup({ options: { fetch: refusing } });
    const result = await poll();
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ scanned: 6, published: 5, rejected: 1 });
    expect(logger.lines).toContainEqual(
      expect.objectContaining({ severity: 'ERROR', message: 'gateway rejected a deploy event', externalId: '-8h2m1tc9q4e', code: 'invalid_request' }),
    );
  });

  it('concurrent polls on one instance share one run', async () => {
    logging.setEntries(allFixtures());
    const { poll } = await setup();
    const [a, b] = await Promise.all([poll(), poll()]);
    expect(a.body).toEqual(b.body);
    expect(a.body.published).toBe(6);
    expect(logging.requests).toHaveLength(1);
  });

  it('GET /healthz answers; unknown routes are JSON 404s', async () => {
    const { watcher } = await setup();
    const health = await fetch(`${watcher.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true, service: 'deploy-watcher' });
    const missing = await fetch(`${watcher.url}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ ok: false, error: { code: 'not_found', message: 'no route for GET /nope' } });
  });
});
