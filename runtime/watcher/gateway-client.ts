/**
 * The watcher's only way into OASIS: the gateway's HTTP API, with the service-role bearer token.
 *  - `newestEventTs(source)`: GET /api/v1/oasis/events?source=…&limit=1 (newest first) -> its `ts`.
 *  - `ingest(event)`: POST /events/ingest; 201 created, 200 duplicate (same source + externalId).
 * A 400/422 refuses that one event (`rejected`; retrying cannot help). Anything that says the gateway
 * cannot take events right now (network error, timeout, 401/403, 404, 5xx, a body we cannot read) is a
 * GatewayError, which ends the poll with a 5xx so Scheduler records it and the next poll retries.
 */
import { z } from 'zod';
import type { DeployEvent } from './audit-log.js';

export class GatewayError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'GatewayError';
  }
}

export type IngestOutcome =
  | { outcome: 'created'; id: number }
  | { outcome: 'duplicate'; id: number }
  | { outcome: 'rejected'; status: number; code: string; message: string };

export interface GatewayClient {
  newestEventTs(source: string): Promise<Date | null>;
  ingest(event: DeployEvent): Promise<IngestOutcome>;
}

export interface GatewayClientOptions {
  url: string;
  token: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

const ErrorBodySchema = z.object({ ok: z.literal(false), error: z.object({ code: z.string(), message: z.string() }) });
const IngestAnswerSchema = z.object({ ok: z.literal(true), id: z.number(), duplicate: z.boolean().optional() });
const EventListSchema = z.object({
  ok: z.literal(true),
  data: z.array(z.object({ id: z.number(), ts: z.string() }).loose()),
});

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function describe(status: number, body: unknown): string {
  const parsed = ErrorBodySchema.safeParse(body);
  return parsed.success ? `${status} ${parsed.data.error.code}: ${parsed.data.error.message}` : `HTTP ${status}`;
}

export function createGatewayClient(options: GatewayClientOptions): GatewayClient {
  const base = options.url.replace(/\/+$/, '');
  const doFetch = options.fetch ?? globalThis.fetch;

  async function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    let response: Response;
    try {
      response = await doFetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${options.token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (error) {
      const reason = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
      throw new GatewayError(`gateway unreachable (${method} ${path}): ${reason}`);
    }
    try {
      return { status: response.status, body: await readJson(response) };
    } catch (error) {
      throw new GatewayError(`gateway response unreadable (${method} ${path}): ${(error as Error).message}`, response.status);
    }
  }

  return {
    async newestEventTs(source) {
      const path = `/api/v1/oasis/events?source=${encodeURIComponent(source)}&limit=1`;
      const { status, body } = await call('GET', path);
      if (status !== 200) throw new GatewayError(`gateway refused GET ${path}: ${describe(status, body)}`, status);
      const parsed = EventListSchema.safeParse(body);
      if (!parsed.success) throw new GatewayError(`gateway answered GET ${path} with an unexpected body`, status);
      const newest = parsed.data.data[0];
      if (!newest) return null;
      const ts = new Date(newest.ts);
      if (Number.isNaN(ts.getTime())) throw new GatewayError(`gateway event ${newest.id} has an invalid ts: ${newest.ts}`, status);
      return ts;
    },

    async ingest(event) {
      const { status, body } = await call('POST', '/events/ingest', event);
      if (status === 200 || status === 201) {
        const parsed = IngestAnswerSchema.safeParse(body);
        if (!parsed.success) throw new GatewayError('gateway answered POST /events/ingest with an unexpected body', status);
        return { outcome: parsed.data.duplicate ? 'duplicate' : 'created', id: parsed.data.id };
      }
      if (status === 400 || status === 422) {
        const parsed = ErrorBodySchema.safeParse(body);
        return {
          outcome: 'rejected',
          status,
          code: parsed.success ? parsed.data.error.code : 'invalid_request',
          message: parsed.success ? parsed.data.error.message : `HTTP ${status}`,
        };
      }
      throw new GatewayError(`gateway refused POST /events/ingest: ${describe(status, body)}`, status);
    },
  };
}
