import { z } from '@hono/zod-openapi';
import { EventFilterSchema } from '../events/schema.js';
import { AccessTokenQuerySchema } from '../http/auth.js';

/** The zod schemas of GET /api/v1/devhub/feed: they validate requests and generate the OpenAPI document. */

const eventId = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const FeedQuerySchema = EventFilterSchema.extend({
  lastEventId: eventId.optional().openapi({
    description: 'Replay every event after this id, then go live. The Last-Event-ID header wins when both are given.',
  }),
  access_token: AccessTokenQuerySchema.openapi({ description: 'Bearer token for EventSource, which cannot set headers.' }),
});

export const FeedHeadersSchema = z.object({
  // Hono's header validator sees lower-case names.
  'last-event-id': eventId.optional().openapi({
    description: 'Sent by EventSource when it reconnects: the id of the last event (or keepalive cursor) it received.',
  }),
});

export const FeedStreamSchema = z.string().openapi({
  description: [
    'Server-Sent Events. Each OASIS event, in commit order: `id: <event id>` and `data: <OasisEvent JSON>` (the query API shape).',
    'The first frame carries `retry:` and an `event: ping`; every keepalive interval a `: keepalive` comment with an',
    '`event: ping` (data `{"keepaliveMs":15000}`) and, once live, `id: <cursor>` so that a resume skips events this',
    'client does not receive. A client too far behind is disconnected; it resumes with Last-Event-ID.',
  ].join(' '),
  example: 'id: 42\ndata: {"id":42,"ts":"2026-01-01T00:00:00.000Z","vtid":"VTID-2026-0001","source":"github","kind":"push",...}\n\n',
});
