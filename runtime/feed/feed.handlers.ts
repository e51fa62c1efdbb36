import type { HttpBindings } from '@hono/node-server';
import type { RouteHandler } from '@hono/zod-openapi';
import { apiError } from '../http/errors.js';
import { openFeedStream } from './client-stream.js';
import type { feed, FeedEnv } from './feed.routes.js';
import { FeedUnavailableError } from './hub.js';

// Proxies and CDNs must neither cache, compress nor buffer the stream (nginx honours X-Accel-Buffering).
// Chunked from the first byte: the node adapter then streams at once instead of sniffing for a length.
const SSE_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-store, no-transform',
  'X-Accel-Buffering': 'no',
  'Transfer-Encoding': 'chunked',
};

export const streamFeed: RouteHandler<typeof feed, FeedEnv> = (c) => {
  const query = c.req.valid('query');
  const headers = c.req.valid('header');
  if (query.vtid) c.set('vtid', query.vtid);
  // On the node server the raw response is in c.env: dropping a stalled client resets its socket.
  const outgoing = (c.env as Partial<HttpBindings> | undefined)?.outgoing;
  let body: ReadableStream<Uint8Array>;
  try {
    body = openFeedStream(c.var.feed, {
      caller: c.get('caller'),
      filter: { vtid: query.vtid, source: query.source, kind: query.kind, status: query.status },
      after: headers['last-event-id'] ?? query.lastEventId,
      destroyConnection: outgoing ? () => outgoing.destroy() : undefined,
    });
  } catch (error) {
    if (error instanceof FeedUnavailableError) throw apiError(503, error.code, error.message, { 'Retry-After': String(error.retryAfterSeconds) });
    throw error;
  }
  return c.body(body, 200, SSE_HEADERS);
};
