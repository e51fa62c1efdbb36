/**
 * A local Cloud Logging server: a plaintext gRPC server implementing
 * `google.logging.v2.LoggingServiceV2/ListLogEntries` from the protos shipped in
 * `@google-cloud/logging-api` (imports resolved from google-gax's protos), so the real watcher and the
 * real @google-cloud/logging client can run on a laptop (`CLOUD_LOGGING_ENDPOINT`). `npm run demo` and
 * the watcher's tests use it. It serves LogEntry objects written in the proto3-JSON shape
 * `gcloud logging read --format=json` prints, encoding each `protoPayload` as a `google.protobuf.Any`
 * holding a serialized `google.cloud.audit.AuditLog`, the way the real service sends it.
 *
 * It applies the `timestamp >= "…"` / `timestamp <= "…"` bounds of the filter (nothing else of the
 * filter language), orders by timestamp as asked, pages with an offset token, records every request,
 * and can be told to fail the next N calls (or every call) with a gRPC status code (for tests).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { AUDIT_LOG_TYPE_URL, encodeAuditLogJson } from '../../runtime/watcher/proto.js';

const require = createRequire(import.meta.url);

function protoDirs(): { loggingProtos: string; commonProtos: string } {
  // @google-cloud/logging-api's main is build/src/index.js; its protos are in build/protos.
  const loggingApiMain = require.resolve('@google-cloud/logging-api');
  const loggingProtos = join(dirname(loggingApiMain), '..', 'protos');
  // google/api, google/protobuf and google/rpc come with google-gax (a dependency of logging-api).
  const gaxMain = createRequire(loggingApiMain).resolve('google-gax');
  const commonProtos = join(dirname(gaxMain), '..', 'protos');
  return { loggingProtos, commonProtos };
}

export interface RecordedListRequest {
  resourceNames: string[];
  filter: string;
  orderBy: string;
  pageSize: number;
  pageToken: string;
  at: number;
}

/** A LogEntry in proto3-JSON shape, as `gcloud logging read --format=json` prints it. */
export type LogEntryJson = Record<string, unknown> & { insertId: string; timestamp: string };

export interface LocalLoggingServer {
  /** host:port, for CLOUD_LOGGING_ENDPOINT. */
  endpoint: string;
  port: number;
  requests: RecordedListRequest[];
  setEntries(entries: LogEntryJson[]): void;
  addEntries(entries: LogEntryJson[]): void;
  /**
   * Answer a first request (no pageToken) with an empty page that still carries a token, as Cloud
   * Logging does when a scan is cut short: the client must go on.
   */
  setEmptyFirstPage(on: boolean): void;
  /** Serve at most this many entries per page, whatever pageSize the client asks for. */
  setMaxPageSize(size: number | undefined): void;
  /**
   * Fail ListLogEntries calls with `code`: `times` of them (default: every call until cleared), after
   * letting `skip` calls succeed first (to fail part-way through a poll).
   */
  failWith(code: grpc.status, times?: number, options?: { message?: string; skip?: number }): void;
  clearFailures(): void;
  close(): Promise<void>;
}

function isoToNanos(iso: string): bigint {
  const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(iso);
  if (!match) throw new Error(`bad timestamp in fixture or filter: ${iso}`);
  const seconds = BigInt(Math.floor(Date.parse(`${match[1]}${match[3]}`) / 1000));
  const nanos = BigInt((match[2] ?? '').padEnd(9, '0') || '0');
  return seconds * 1_000_000_000n + nanos;
}

function isoToTimestamp(iso: string): { seconds: string; nanos: number } {
  const total = isoToNanos(iso);
  return { seconds: String(total / 1_000_000_000n), nanos: Number(total % 1_000_000_000n) };
}

/** proto3-JSON LogEntry -> the object form proto-loader serializes. */
export function toWireEntry(entry: LogEntryJson): Record<string, unknown> {
  const wire: Record<string, unknown> = { ...entry };
  wire.timestamp = isoToTimestamp(entry.timestamp);
  if (typeof entry.receiveTimestamp === 'string') wire.receiveTimestamp = isoToTimestamp(entry.receiveTimestamp);
  const payload = entry.protoPayload as Record<string, unknown> | undefined;
  if (payload) {
    if (payload['@type'] !== AUDIT_LOG_TYPE_URL) throw new Error(`fixture ${entry.insertId}: unexpected @type`);
    wire.protoPayload = { type_url: AUDIT_LOG_TYPE_URL, value: Buffer.from(encodeAuditLogJson(payload)) };
  }
  return wire;
}

function timestampBounds(filter: string): { from?: bigint; to?: bigint } {
  const bounds: { from?: bigint; to?: bigint } = {};
  for (const match of filter.matchAll(/timestamp\s*(>=|<=|>|<)\s*"([^"]+)"/g)) {
    const value = isoToNanos(match[2]!);
    if (match[1]!.startsWith('>')) bounds.from = match[1] === '>' ? value + 1n : value;
    else bounds.to = match[1] === '<' ? value - 1n : value;
  }
  return bounds;
}

export async function startLoggingServer(): Promise<LocalLoggingServer> {
  const { loggingProtos, commonProtos } = protoDirs();
  const definition = protoLoader.loadSync('google/logging/v2/logging.proto', {
    includeDirs: [loggingProtos, commonProtos],
    keepCase: false,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    google: { logging: { v2: { LoggingServiceV2: grpc.ServiceClientConstructor } } };
  };
  const service = loaded.google.logging.v2.LoggingServiceV2.service;

  let entries: LogEntryJson[] = [];
  let maxPageSize: number | undefined;
  let emptyFirstPage = false;
  let failure: { code: grpc.status; remaining: number; message: string; skip: number } | undefined;
  const requests: RecordedListRequest[] = [];

  const listLogEntries: grpc.handleUnaryCall<Record<string, unknown>, unknown> = (call, callback) => {
    const req = call.request as { resourceNames: string[]; filter: string; orderBy: string; pageSize: number; pageToken: string };
    requests.push({
      resourceNames: [...req.resourceNames],
      filter: req.filter,
      orderBy: req.orderBy,
      pageSize: req.pageSize,
      pageToken: req.pageToken,
      at: Date.now(),
    });
    if (failure && failure.skip > 0) {
      failure.skip -= 1;
    } else if (failure && failure.remaining > 0) {
      failure.remaining -= 1;
      const { code, message } = failure;
      if (failure.remaining === 0) failure = undefined;
      callback({ code, details: message } as grpc.ServiceError);
      return;
    }
    if (emptyFirstPage && !req.pageToken) {
      callback(null, { entries: [], nextPageToken: '0' });
      return;
    }
    const { from, to } = timestampBounds(req.filter);
    const desc = /desc/i.test(req.orderBy);
    const matching = entries
      .map((entry) => ({ entry, ns: isoToNanos(entry.timestamp) }))
      .filter(({ ns }) => (from === undefined || ns >= from) && (to === undefined || ns <= to))
      .sort((a, b) => (a.ns === b.ns ? 0 : (a.ns < b.ns) !== desc ? -1 : 1))
      .map(({ entry }) => entry);
    const size = Math.min(req.pageSize > 0 ? req.pageSize : 1000, maxPageSize ?? Infinity);
    const offset = req.pageToken ? Number(req.pageToken) : 0;
    const page = matching.slice(offset, offset + size);
    const next = offset + size < matching.length ? String(offset + size) : '';
    callback(null, { entries: page.map(toWireEntry), nextPageToken: next });
  };

  const server = new grpc.Server();
  const unimplemented: grpc.handleUnaryCall<unknown, unknown> = (_call, callback) =>
    callback({ code: grpc.status.UNIMPLEMENTED, details: 'not served by the local Cloud Logging server' } as grpc.ServiceError);
  const handlers: grpc.UntypedServiceImplementation = {};
  for (const name of Object.keys(service)) handlers[name] = unimplemented;
  handlers.ListLogEntries = listLogEntries;
  server.addService(service, handlers);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );

  return {
    endpoint: `127.0.0.1:${port}`,
    port,
    requests,
    setEntries: (next) => {
      entries = [...next];
    },
    addEntries: (more) => {
      entries.push(...more);
    },
    setEmptyFirstPage: (on) => {
      emptyFirstPage = on;
    },
    setMaxPageSize: (size) => {
      maxPageSize = size;
    },
    failWith: (code, times = Infinity, options = {}) => {
      failure = { code, remaining: times, message: options.message ?? `injected failure ${grpc.status[code]}`, skip: options.skip ?? 0 };
    },
    clearFailures: () => {
      failure = undefined;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        setTimeout(() => server.forceShutdown(), 2000).unref();
      }),
  };
}
