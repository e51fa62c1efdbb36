import { createRoute } from '@hono/zod-openapi';
import type { Database } from '../core/database.js';
import { authenticate } from '../http/auth.js';
import type { FeatureEnv } from '../http/env.js';
import { readJsonBody } from '../http/read-body.js';
import { authErrors, BEARER, bodyErrors, errorResponse, jsonResponse } from '../http/router.js';
import { DEFAULT_PAGE_MAX_BYTES } from './page.js';
import { EventListSchema, EventQuerySchema, IngestBodySchema, IngestResponseSchema } from './schema.js';
import type { EventWriter } from './writer.js';

/** What the event routes are given by the composition (`c.var.events`). */
export interface EventsContext {
  db: Database;
  /** The events' group-commit writer (shared with the webhook). */
  writer: EventWriter;
  /** The time budget of one ingest write (the webhook's: GITHUB_WEBHOOK_STORE_TIMEOUT_MS). */
  writeTimeoutMs: number;
  /** The largest query answer in bytes (EVENTS_PAGE_MAX_BYTES); a larger page is cut, with a cursor to the rest. */
  pageMaxBytes: number;
}

export type EventsEnv = FeatureEnv<'events', EventsContext>;

export const ingest = createRoute({
  method: 'post',
  path: '/events/ingest',
  tags: ['OASIS'],
  summary: 'Record an event (agents, the deploy watcher)',
  security: BEARER,
  middleware: [authenticate('write'), readJsonBody()] as const,
  request: { body: { required: true, content: { 'application/json': { schema: IngestBodySchema } } } },
  responses: {
    201: jsonResponse('Stored.', IngestResponseSchema),
    200: jsonResponse('Already stored under the same (source, externalId): the original id.', IngestResponseSchema),
    400: errorResponse('Invalid JSON or fields; the message names them.'),
    ...authErrors,
    409: errorResponse('The (source, externalId) pair belongs to an event of another tenant.'),
    ...bodyErrors,
    415: errorResponse('Not application/json.'),
    503: errorResponse(
      'server_busy: the instance holds as many request bodies as HTTP_BODY_BUDGET_BYTES allows; nothing was stored. store_timeout / database_unavailable: nothing was stored. store_outcome_unknown: the commit was not confirmed in time and may have landed; send it again (idempotent with an externalId).',
    ),
  },
});

export const query = createRoute({
  method: 'get',
  path: '/api/v1/oasis/events',
  tags: ['OASIS'],
  summary: 'Query events, newest first',
  security: BEARER,
  middleware: [authenticate('read')] as const,
  request: { query: EventQuerySchema },
  responses: {
    200: jsonResponse(
      `A page of events, newest first: at most \`limit\` events and at most EVENTS_PAGE_MAX_BYTES (default ${DEFAULT_PAGE_MAX_BYTES / 1024 / 1024} MiB) of JSON, ` +
        'but always at least one event (an event larger than the cap is a page of its own). nextCursor is set whenever more may follow ' +
        '(the page is full or was cut for its size): pass it as `before` for the next page; null means there is no more.',
      EventListSchema,
    ),
    400: errorResponse('Invalid filter or limit.'),
    ...authErrors,
  },
});
