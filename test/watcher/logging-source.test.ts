import { status } from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../runtime/core/log.js';
import { decodeLogEntry, toDeployEvent } from '../../runtime/watcher/audit-log.js';
import {
  backoffDelay,
  createLoggingSource,
  LoggingQuotaError,
  LoggingUnavailableError,
  type LoggingSourceOptions,
  type LogSource,
} from '../../runtime/watcher/logging-source.js';
import { startLoggingServer, type LocalLoggingServer } from '../../scripts/demo/cloud-logging-server.js';
import { allFixtures, fixture } from './fixtures.js';

/** The real @google-cloud/logging client against the local gRPC LoggingServiceV2. */

const FILTER = 'timestamp >= "2026-03-14T09:00:00.000Z" AND timestamp <= "2026-03-14T11:00:00.000Z"';

let server: LocalLoggingServer;
const sources: LogSource[] = [];

function source(options: Partial<LoggingSourceOptions> = {}): LogSource {
  const s = createLoggingSource({
    projectId: 'vitana-dev',
    endpoint: server.endpoint,
    timeoutMs: 5_000,
    quotaRetries: 2,
    quotaBackoffMs: 1_000,
    logger: createMemoryLogger(),
    random: () => 0,
    ...options,
  });
  sources.push(s);
  return s;
}

beforeAll(async () => {
  server = await startLoggingServer();
});

afterEach(() => {
  server.requests.length = 0;
  server.clearFailures();
  server.setMaxPageSize(undefined);
  server.setEntries([]);
});

afterAll(async () => {
  await Promise.all(sources.map((s) => s.close()));
  await server.close();
});

describe('logging source (real client, local gRPC server)', () => {
  it('sends the project, filter, order, page size and token it is given, and nothing else', async () => {
    server.setEntries(allFixtures());
    await source().listPage({ filter: FILTER, orderBy: 'timestamp asc', pageSize: 1000 });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({
      resourceNames: ['projects/vitana-dev'],
      filter: FILTER,
      orderBy: 'timestamp asc',
      pageSize: 1000,
      pageToken: '',
    });
  });

  it('returns entries whose protoPayload is the AuditLog Any, which decodes to the fixture', async () => {
    server.setEntries([fixture('v1-replace-service-success')]);
    const page = await source().listPage({ filter: FILTER, orderBy: 'timestamp asc', pageSize: 1000 });
    expect(page.nextPageToken).toBeUndefined();
    expect(page.entries).toHaveLength(1);
    const raw = page.entries[0] as { protoPayload: { type_url: string; value: Buffer }; timestamp: Date };
    expect(raw.protoPayload.type_url).toBe('type.googleapis.com/google.cloud.audit.AuditLog');
    expect(Buffer.isBuffer(raw.protoPayload.value)).toBe(true);
    expect(raw.timestamp).toBeInstanceOf(Date);
    const viaClient = toDeployEvent(decodeLogEntry(raw));
    const direct = toDeployEvent(decodeLogEntry(fixture('v1-replace-service-success')));
    expect(viaClient).toEqual(direct);
  });

  it('pages with nextPageToken / pageToken', async () => {
    server.setEntries(allFixtures());
    server.setMaxPageSize(4);
    const s = source();
    const first = await s.listPage({ filter: FILTER, orderBy: 'timestamp asc', pageSize: 1000 });
    expect(first.entries).toHaveLength(4);
    expect(first.nextPageToken).toBe('4');
    const second = await s.listPage({ filter: FILTER, orderBy: 'timestamp asc', pageSize: 1000, pageToken: first.nextPageToken! });
    expect(second.entries).toHaveLength(2);
    expect(second.nextPageToken).toBeUndefined();
    expect(server.requests.map((r) => r.pageToken)).toEqual(['', '4']);
  });

  it('backs off and retries RESOURCE_EXHAUSTED once, then succeeds', async () => {
    server.setEntries([fixture('v2-update-service')]);
    server.failWith(status.RESOURCE_EXHAUSTED, 1);
    const delays: number[] = [];
    const page = await source({ sleep: async (ms) => void delays.push(ms) }).listPage({ filter: FILTER, orderBy: 'timestamp asc', pageSize: 10 });
    expect(page.entries).toHaveLength(1);
    expect(server.requests).toHaveLength(2);
    expect(delays).toEqual([1_000]);
  });

  it('backs off exponentially on two RESOURCE_EXHAUSTED, then succeeds (real waiting)', async () => {
    server.setEntries([fixture('v2-update-service')]);
    server.failWith(status.RESOURCE_EXHAUSTED, 2);
    const page = await source({ quotaBackoffMs: 60 }).listPage({ filter: FILTER, orderBy: 'timestamp asc', pageSize: 10 });
    expect(page.entries).toHaveLength(1);
    expect(server.requests).toHaveLength(3);
    const [a, b, c] = server.requests.map((r) => r.at);
    expect(b! - a!).toBeGreaterThanOrEqual(55);
    expect(c! - b!).toBeGreaterThanOrEqual(115);
  });

  it('gives up with LoggingQuotaError when the quota stays exhausted', async () => {
    server.failWith(status.RESOURCE_EXHAUSTED);
    const delays: number[] = [];
    const promise = source({ sleep: async (ms) => void delays.push(ms) }).listPage({ filter: FILTER, orderBy: 'timestamp asc', pageSize: 10 });
    await expect(promise).rejects.toBeInstanceOf(LoggingQuotaError);
    await expect(promise).rejects.toThrow(/quota exhausted after 3 attempts/);
    expect(server.requests).toHaveLength(3);
    expect(delays).toEqual([1_000, 2_000]);
  });

  it('does not retry other errors (one request, LoggingUnavailableError with the gRPC code)', async () => {
    server.failWith(status.PERMISSION_DENIED, 1);
    const error = await source()
      .listPage({ filter: FILTER, orderBy: 'timestamp asc', pageSize: 10 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LoggingUnavailableError);
    expect((error as LoggingUnavailableError).grpcCode).toBe(status.PERMISSION_DENIED);
    expect(server.requests).toHaveLength(1);
  });

  it('reports an unreachable endpoint as LoggingUnavailableError quickly', async () => {
    const dead = await startLoggingServer();
    const endpoint = dead.endpoint;
    await dead.close();
    const started = Date.now();
    const error = await source({ endpoint })
      .listPage({ filter: FILTER, orderBy: 'timestamp asc', pageSize: 10 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LoggingUnavailableError);
    expect((error as LoggingUnavailableError).grpcCode).toBe(status.UNAVAILABLE);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('backoffDelay doubles and adds at most 25% jitter', () => {
    expect([1, 2, 3].map((n) => backoffDelay(100, n, () => 0))).toEqual([100, 200, 400]);
    expect(backoffDelay(100, 1, () => 1)).toBe(125);
  });
});
