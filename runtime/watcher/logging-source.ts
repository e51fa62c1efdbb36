/**
 * Reads Cloud Logging one page at a time with @google-cloud/logging's `getEntries`, and owns the quota
 * policy: `RESOURCE_EXHAUSTED` is retried with exponential back-off a few times, then reported as
 * LoggingQuotaError; every other failure is LoggingUnavailableError. The library's own retries are off
 * (`retry: null`) so one `listPage` costs a known number of list requests.
 *
 * `endpoint` (CLOUD_LOGGING_ENDPOINT, host:port) points the real client at a plaintext gRPC server:
 * `apiEndpoint` + `port` + insecure `sslCreds` (the client then skips Google auth).
 */
import * as grpc from '@grpc/grpc-js';
import { Logging, type LoggingOptions } from '@google-cloud/logging';
import type { Logger } from '../core/log.js';

export interface ListPageRequest {
  filter: string;
  orderBy: string;
  pageSize: number;
  pageToken?: string;
}

export interface LogPage {
  /** Entry metadata as the client returns it (protoPayload still an encoded Any over gRPC). */
  entries: unknown[];
  nextPageToken?: string;
}

export interface LogSource {
  listPage(request: ListPageRequest): Promise<LogPage>;
  close(): Promise<void>;
}

export const GRPC_RESOURCE_EXHAUSTED = 8;

export class LoggingQuotaError extends Error {
  constructor(
    message: string,
    readonly attempts: number,
  ) {
    super(message);
    this.name = 'LoggingQuotaError';
  }
}

export class LoggingUnavailableError extends Error {
  constructor(
    message: string,
    readonly grpcCode: number | undefined,
  ) {
    super(message);
    this.name = 'LoggingUnavailableError';
  }
}

export interface LoggingSourceOptions {
  projectId: string;
  endpoint?: string;
  timeoutMs: number;
  quotaRetries: number;
  quotaBackoffMs: number;
  logger: Logger;
  /** Injectable for tests; resolves after `ms`. */
  sleep?: (ms: number) => Promise<void>;
  /** Injectable for tests; 0..1. */
  random?: () => number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `host:port` / `[v6]:port` -> client options for a plaintext gRPC endpoint. */
export function endpointOptions(endpoint: string): { apiEndpoint: string; port: number; sslCreds: grpc.ChannelCredentials; universeDomain: string } {
  const index = endpoint.lastIndexOf(':');
  return {
    apiEndpoint: endpoint.slice(0, index),
    port: Number(endpoint.slice(index + 1)),
    sslCreds: grpc.credentials.createInsecure(),
    // Said explicitly so the auth library does not probe the GCE metadata server for it.
    universeDomain: 'googleapis.com',
  };
}

/** Delay before retry `attempt` (1-based): base * 2^(attempt-1), plus up to 25% jitter. */
export function backoffDelay(baseMs: number, attempt: number, random: () => number = Math.random): number {
  return Math.round(baseMs * 2 ** (attempt - 1) * (1 + 0.25 * random()));
}

function grpcCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

export function createLoggingSource(options: LoggingSourceOptions): LogSource {
  const { projectId, logger } = options;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  const logging = new Logging({
    projectId,
    ...(options.endpoint ? endpointOptions(options.endpoint) : {}),
  } as LoggingOptions);

  async function listOnce(request: ListPageRequest): Promise<LogPage> {
    const [entries, , response] = await logging.getEntries({
      resourceNames: [`projects/${projectId}`],
      filter: request.filter,
      orderBy: request.orderBy,
      pageSize: request.pageSize,
      ...(request.pageToken ? { pageToken: request.pageToken } : {}),
      autoPaginate: false,
      gaxOptions: { timeout: options.timeoutMs, retry: null },
    });
    const page: LogPage = { entries: entries.map((entry) => ({ ...entry.metadata, ...(entry.metadata.protoPayload ? {} : { protoPayload: entry.data }) })) };
    const next = response?.nextPageToken;
    if (next) page.nextPageToken = next;
    return page;
  }

  return {
    async listPage(request) {
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await listOnce(request);
        } catch (error) {
          const code = grpcCode(error);
          const message = error instanceof Error ? error.message : String(error);
          if (code !== GRPC_RESOURCE_EXHAUSTED) {
            throw new LoggingUnavailableError(`Cloud Logging list failed: ${message}`, code);
          }
          if (attempt > options.quotaRetries) {
            throw new LoggingQuotaError(`Cloud Logging read quota exhausted after ${attempt} attempts: ${message}`, attempt);
          }
          const delayMs = backoffDelay(options.quotaBackoffMs, attempt, random);
          logger.warn('Cloud Logging quota exhausted; backing off', { attempt, delayMs });
          await sleep(delayMs);
        }
      }
    },
    async close() {
      const service = (logging as unknown as { loggingService?: { close?: () => Promise<void> } }).loggingService;
      await service?.close?.();
    },
  };
}
