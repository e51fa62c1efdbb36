import { createRoute } from '@hono/zod-openapi';
import { authenticate } from '../http/auth.js';
import type { FeatureEnv } from '../http/env.js';
import { authErrors, BEARER, errorResponse } from '../http/router.js';
import type { FeedStreamDeps } from './client-stream.js';
import { FeedHeadersSchema, FeedQuerySchema, FeedStreamSchema } from './schema.js';

/** What the feed route is given by the composition (`c.var.feed`): the instance's hub and its stream settings. */
export type FeedContext = FeedStreamDeps;

export type FeedEnv = FeatureEnv<'feed', FeedContext>;

export const feed = createRoute({
  method: 'get',
  path: '/api/v1/devhub/feed',
  tags: ['OASIS'],
  summary: 'Live feed of OASIS events (Server-Sent Events), resumable with Last-Event-ID',
  security: BEARER,
  middleware: [authenticate('read')] as const,
  request: { query: FeedQuerySchema, headers: FeedHeadersSchema },
  responses: {
    200: { description: 'The event stream; it stays open.', content: { 'text/event-stream': { schema: FeedStreamSchema } } },
    400: errorResponse('Invalid filter or Last-Event-ID.'),
    ...authErrors,
    503: errorResponse('feed_full (the cap on concurrent streams), shutting_down or feed_starting; retry after Retry-After.'),
  },
});
