import { describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../runtime/core/log.js';
import type { DeployEvent } from '../../runtime/watcher/audit-log.js';
import type { GatewayClient, IngestOutcome } from '../../runtime/watcher/gateway-client.js';
import type { ListPageRequest, LogPage, LogSource } from '../../runtime/watcher/logging-source.js';
import { createPoller, type PollSettings } from '../../runtime/watcher/poll.js';
import { fixture } from './fixtures.js';

/** The poll orchestration with in-memory stand-ins: window arithmetic and page-cap edges. */

const NOW = new Date('2026-03-14T10:30:00.000Z');
const SETTINGS: PollSettings = { projectId: 'p', lookbackMinutes: 60, overlapMinutes: 10, pageSize: 1000, maxPages: 2 };

function fakeSource(pages: LogPage[]): LogSource & { requests: ListPageRequest[] } {
  const requests: ListPageRequest[] = [];
  return {
    requests,
    async listPage(request) {
      requests.push(request);
      return pages[requests.length - 1] ?? { entries: [] };
    },
    async close() {},
  };
}

function fakeGateway(newest: Date | null, outcome: (e: DeployEvent) => IngestOutcome = () => ({ outcome: 'created', id: 1 })) {
  const ingested: DeployEvent[] = [];
  const client: GatewayClient = {
    newestEventTs: async () => newest,
    ingest: async (event) => {
      ingested.push(event);
      return outcome(event);
    },
  };
  return { client, ingested };
}

function poller(source: LogSource, gateway: GatewayClient, settings: Partial<PollSettings> = {}) {
  return createPoller({ settings: { ...SETTINGS, ...settings }, source, gateway, logger: createMemoryLogger(), now: () => NOW });
}

describe('poll window', () => {
  it.each([
    ['first run: now minus the lookback', null, {}, '2026-03-14T09:30:00.000Z'],
    ['newest event minus the overlap', new Date('2026-03-14T10:20:00.000Z'), {}, '2026-03-14T10:10:00.000Z'],
    ['an old newest event reaches back beyond the lookback (nothing is skipped)', new Date('2026-03-13T08:00:00.000Z'), {}, '2026-03-13T07:50:00.000Z'],
    ['a newest event in the future still reads the overlap before now', new Date('2026-03-14T11:00:00.000Z'), {}, '2026-03-14T10:20:00.000Z'],
    ['overlap 0 starts at the newest event itself', new Date('2026-03-14T10:20:00.000Z'), { overlapMinutes: 0 }, '2026-03-14T10:20:00.000Z'],
  ] as const)('%s', async (_name, newest, settings, from) => {
    const source = fakeSource([{ entries: [] }]);
    const result = await poller(source, fakeGateway(newest).client, settings).poll();
    expect(result.from).toBe(from);
    expect(result.to).toBe(NOW.toISOString());
    expect(source.requests[0]!.filter.startsWith(`timestamp >= "${from}" AND timestamp <= "${NOW.toISOString()}"`)).toBe(true);
    expect(source.requests[0]!.orderBy).toBe('timestamp asc');
  });
});

describe('paging', () => {
  const entry = (id: string) => ({ ...fixture('v1-create-service-no-vtid'), insertId: id });

  it('reaching the cap on a last page (no token) is not truncated', async () => {
    const source = fakeSource([{ entries: [entry('a')], nextPageToken: 't1' }, { entries: [entry('b')] }]);
    const result = await poller(source, fakeGateway(null).client).poll();
    expect(result).toMatchObject({ pages: 2, truncated: false, published: 2 });
  });

  it('a token left after the cap is truncated, and the request for it is never made', async () => {
    const source = fakeSource([
      { entries: [entry('a')], nextPageToken: 't1' },
      { entries: [entry('b')], nextPageToken: 't2' },
      { entries: [entry('c')] },
    ]);
    const result = await poller(source, fakeGateway(null).client).poll();
    expect(result).toMatchObject({ pages: 2, truncated: true, published: 2 });
    expect(source.requests.map((r) => r.pageToken)).toEqual([undefined, 't1']);
  });

  it('undecodable entries are skipped with a warning; duplicates and rejects are counted', async () => {
    const source = fakeSource([
      { entries: [entry('a'), { insertId: 'broken', timestamp: new Date(), protoPayload: { type_url: 'x', value: Buffer.alloc(0) } }, entry('dup'), entry('bad')] },
    ]);
    const gateway = fakeGateway(null, (e) =>
      e.externalId === 'dup'
        ? { outcome: 'duplicate', id: 1 }
        : e.externalId === 'bad'
          ? { outcome: 'rejected', status: 400, code: 'invalid_request', message: 'no' }
          : { outcome: 'created', id: 2 },
    );
    const result = await poller(source, gateway.client).poll();
    expect(result).toMatchObject({ scanned: 4, published: 1, duplicates: 1, rejected: 1, skipped: 1 });
    // resumeFrom is the last event the gateway holds (the duplicate), not the rejected one.
    expect(result.resumeFrom).toBe(new Date(fixture('v1-create-service-no-vtid').timestamp).toISOString());
  });
});
