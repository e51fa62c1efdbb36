import type { HttpBindings } from '@hono/node-server';
import type { Context, MiddlewareHandler } from 'hono';
import type { BodyBudget } from './body-budget.js';
import type { AppEnv } from './env.js';
import { apiError, ApiError } from './errors.js';

/**
 * Reads a request body into memory under three bounds, whoever sends it (the webhook reads before it
 * can know the sender; the JSON routes before their token is known to be valid for the write):
 *   - its own cap: over it, 413 `payload_too_large`, told by Content-Length before a byte is read;
 *   - the process-wide byte budget (BodyBudget): a body that does not fit next to the ones already held
 *     is refused with 503 `server_busy` + Retry-After (before it is read when it declares its length,
 *     else as soon as it outgrows what is left), so memory stays bounded however many clients upload;
 *   - a read timeout: a body not complete within HTTP_BODY_TIMEOUT_MS is answered 408 `body_timeout`
 *     and its bytes are let go, instead of being held until the connection dies.
 * 503 and not 429: the limit is this instance's memory, shared by every client, not a rate one client
 * exceeded.
 *
 * A refused body's unread rest is discarded as it arrives (Node's server drains it, up to 64 MiB or
 * 500 ms, then closes), never held. The refusal does not say `Connection: close`: Node then closes the
 * socket the moment the answer is written, and a client still sending gets a reset that can swallow
 * the answer (GitHub would show a failed connection, not why). Only a body that timed out closes the
 * connection, as its client is not sending.
 *
 * The bytes stay reserved until the request is answered (the handler holds them until then). The
 * routes' validators read the body from Hono's body cache, which this fills.
 */

export interface BodyLimits {
  maxBytes: number;
  /** Names the body in the answers ("the delivery"). */
  what?: string;
  /** Sees every chunk as it arrives, in order (the webhook's HMAC). */
  onChunk?: (chunk: Uint8Array) => void;
}

const RETRY_AFTER_SECONDS = '2';

interface Chunks {
  /** The next chunk of the body, or null at its end. */
  next(): Promise<Uint8Array | null>;
  /** Stop reading, leaving the rest for the server to drain (called when the body is refused midway). */
  release(): void;
}

function chunksOf(c: Context): Chunks {
  // On Node, the request stream itself (one layer less than its web stream). Never destroyed from
  // here: destroying an unfinished request destroys its socket, and the refusal could not be sent.
  const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming;
  if (incoming) {
    const iterator = incoming.iterator({ destroyOnReturn: false }) as AsyncIterator<Uint8Array>;
    return {
      next: async () => {
        const { done, value } = await iterator.next();
        return done ? null : value;
      },
      // Detaches the iterator's listener (after a pending read, if any), so the drain can take over.
      release: () => void iterator.return?.().catch(() => {}),
    };
  }
  // app.request() in tests, or another runtime: the web stream.
  const reader = c.req.raw.body?.getReader();
  return {
    next: async () => {
      if (!reader) return null;
      const { done, value } = await reader.read();
      return done ? null : value;
    },
    release: () => void reader?.cancel().catch(() => {}),
  };
}

function declaredLength(c: Context): number | null {
  // With Transfer-Encoding the length is the chunks' (Node refuses a request that has both).
  if (c.req.header('transfer-encoding') !== undefined) return null;
  const header = c.req.header('content-length');
  return header !== undefined && /^\d+$/.test(header.trim()) ? Number(header) : null;
}

export class BodyReader {
  constructor(
    private readonly budget: BodyBudget,
    private readonly timeoutMs: number,
  ) {}

  /**
   * Reads the body within `limits` and runs `use` with it; its bytes count against the budget until
   * `use` has finished. Throws the 413 / 503 / 408 ApiErrors above.
   */
  async withBody(c: Context, limits: BodyLimits, use: (body: Uint8Array) => Promise<void>): Promise<void> {
    const what = limits.what ?? 'the body';
    const declared = declaredLength(c);
    if (declared !== null && declared > limits.maxBytes) throw tooLarge(what, limits.maxBytes);
    let reserved = 0;
    const reserve = (bytes: number) => {
      if (!this.budget.tryReserve(bytes)) throw busy();
      reserved += bytes;
    };
    try {
      if (declared !== null) reserve(declared);
      const body = await this.read(chunksOf(c), { declared, maxBytes: limits.maxBytes, what, onChunk: limits.onChunk, reserve });
      // Exactly the body's bytes (body.buffer is its own), for c.req.json() / arrayBuffer(). Hono keeps
      // promises in its body cache (and chains .then on them), though its type declares the values.
      c.req.bodyCache.arrayBuffer = Promise.resolve(body.buffer as ArrayBuffer) as unknown as ArrayBuffer;
      await use(body);
    } finally {
      this.budget.release(reserved);
    }
  }

  private async read(
    chunks: Chunks,
    o: { declared: number | null; maxBytes: number; what: string; onChunk?: (chunk: Uint8Array) => void; reserve: (bytes: number) => void },
  ): Promise<Uint8Array> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(bodyTimeout(o.what, this.timeoutMs)), this.timeoutMs);
    });
    expired.catch(() => {});
    // A declared length is read straight into one buffer of that size; a chunked body is kept as its
    // chunks and joined once at the end.
    const whole = o.declared !== null ? new Uint8Array(o.declared) : null;
    const parts: Uint8Array[] = [];
    let size = 0;
    let complete = false;
    try {
      for (;;) {
        const pending = chunks.next();
        // Given up on at the deadline, the read may still fail later (the connection closes): not unhandled.
        pending.catch(() => {});
        const chunk = await Promise.race([pending, expired]);
        if (chunk === null) {
          complete = true;
          break;
        }
        if (size + chunk.byteLength > o.maxBytes) throw tooLarge(o.what, o.maxBytes);
        if (whole) {
          // Node's parser never passes more than Content-Length; a web stream could (app.request()).
          if (size + chunk.byteLength > whole.byteLength) throw apiError(400, 'invalid_request', 'the body is longer than its Content-Length');
          whole.set(chunk, size);
        } else {
          o.reserve(chunk.byteLength);
          parts.push(chunk);
        }
        size += chunk.byteLength;
        o.onChunk?.(chunk);
      }
    } finally {
      clearTimeout(timer);
      if (!complete) chunks.release();
    }
    if (whole) {
      if (size !== whole.byteLength) throw apiError(400, 'body_incomplete', 'the body is shorter than its Content-Length; nothing was stored');
      return whole;
    }
    const joined = new Uint8Array(size);
    let offset = 0;
    for (const chunk of parts) {
      joined.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return joined;
  }
}

/**
 * Middleware for JSON routes: the body, bounded by `maxBytes` (by default the configured cap of a JSON
 * body, `c.var.jsonBodyMaxBytes`), read by the instance's BodyReader (`c.var.bodies`) and parsed once
 * into Hono's body cache for the validators.
 */
export function readJsonBody(maxBytes?: number): MiddlewareHandler<AppEnv> {
  return (c, next) =>
    c.var.bodies.withBody(c, { maxBytes: maxBytes ?? c.var.jsonBodyMaxBytes }, async (body) => {
      await parseJsonBody(c, body);
      await next();
    });
}

// The media types Hono's JSON validator parses (hono/validator's own test), and only those.
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

/**
 * Parses a JSON-typed body the way Hono does (UTF-8, through Response.json) and leaves the value in
 * the body cache, so the validator reads it from there. A body that does not parse is only marked:
 * the validator still refuses it in its own turn (after the query and path checks, as always), and
 * the error handler answers that refusal `invalid_json` because of the mark, not the message text.
 */
async function parseJsonBody(c: Context<AppEnv>, body: Uint8Array): Promise<void> {
  const mediaType = (c.req.header('content-type') ?? '').split(';')[0]!.trim();
  if (!JSON_MEDIA_TYPE.test(mediaType)) return;
  try {
    const value: unknown = await new Response(body.buffer as ArrayBuffer).json();
    c.req.bodyCache.json = Promise.resolve(value);
  } catch {
    c.set('bodyIsMalformedJson', true);
  }
}

function tooLarge(what: string, maxBytes: number): ApiError {
  return apiError(413, 'payload_too_large', `${what} exceeds ${maxBytes} bytes`);
}

function busy(): ApiError {
  return apiError(503, 'server_busy', 'this instance holds as many request bodies as its memory budget allows; nothing was stored, retry shortly', {
    'Retry-After': RETRY_AFTER_SECONDS,
  });
}

function bodyTimeout(what: string, timeoutMs: number): ApiError {
  return apiError(408, 'body_timeout', `${what} was not received within ${timeoutMs} ms; nothing was stored`, { Connection: 'close' });
}
