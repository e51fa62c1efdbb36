import type { HttpBindings } from '@hono/node-server';
import { createRoute } from '@hono/zod-openapi';
import type { Database } from '../core/database.js';
import { authenticate, type AuthOptions } from '../http/auth.js';
import { apiError, ApiError } from '../http/errors.js';
import { authErrors, BEARER, createRouter, errorResponse } from '../http/router.js';
import type { Logger } from '../core/log.js';
import { openFeedStream } from './client-stream.js';
import { FeedUnavailableError, type FeedHub } from './hub.js';
import { FeedHeadersSchema, FeedQuerySchema, FeedStreamSchema } from './schema.js';

export interface FeedRoutesDeps {
  hub: FeedHub;
  db: Database;
  auth: AuthOptions;
  logger: Logger;
  clientBuffer: number;
}

// Proxies and CDNs must neither cache, compress nor buffer the stream (nginx honours X-Accel-Buffering).
// Chunked from the first byte: the node adapter then streams at once instead of sniffing for a length.
const SSE_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-store, no-transform',
  'X-Accel-Buffering': 'no',
  'Transfer-Encoding': 'chunked',
};

export function feedRoutes(deps: FeedRoutesDeps) {
  const router = createRouter();

  const feed = createRoute({
    method: 'get',
    path: '/api/v1/devhub/feed',
    tags: ['OASIS'],
    summary: 'Live feed of OASIS events (Server-Sent Events), resumable with Last-Event-ID',
    security: BEARER,
    middleware: [authenticate(deps.auth, 'read')] as const,
    request: { query: FeedQuerySchema, headers: FeedHeadersSchema },
    responses: {
      200: { description: 'The event stream; it stays open.', content: { 'text/event-stream': { schema: FeedStreamSchema } } },
      400: errorResponse('Invalid filter or Last-Event-ID.'),
      ...authErrors,
      503: errorResponse('feed_full (the cap on concurrent streams), shutting_down or feed_starting; retry after Retry-After.'),
    },
  });

  router.openapi(feed, (c) => {
    const query = c.req.valid('query');
    const headers = c.req.valid('header');
    if (query.vtid) c.set('vtid', query.vtid);
    // On the node server the raw response is in c.env: dropping a stalled client resets its socket.
    const outgoing = (c.env as Partial<HttpBindings> | undefined)?.outgoing;
    let body: ReadableStream<Uint8Array>;
    try {
      body = openFeedStream(
        { hub: deps.hub, db: deps.db, logger: deps.logger, clientBuffer: deps.clientBuffer },
        {
          caller: c.get('caller'),
          filter: { vtid: query.vtid, source: query.source, kind: query.kind, status: query.status },
          after: headers['last-event-id'] ?? query.lastEventId,
          destroyConnection: outgoing ? () => outgoing.destroy() : undefined,
        },
      );
    } catch (error) {
      if (error instanceof FeedUnavailableError) throw apiError(503, error.code, error.message, { 'Retry-After': String(error.retryAfterSeconds) });
      throw error;
    }
    return c.body(body, 200, SSE_HEADERS);
  });

  return router;
}
