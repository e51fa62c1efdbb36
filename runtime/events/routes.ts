import { createRoute } from '@hono/zod-openapi';
import { batchAsRole } from '../db/as-role.js';
import { isPermissionDenied } from '../db/errors.js';
import type { Database } from '../core/database.js';
import type { EventWriter } from './writer.js';
import type { BodyReader } from '../http/read-body.js';
import { authenticate, type AuthOptions } from '../http/auth.js';
import { conflict, forbidden } from '../http/errors.js';
import { authErrors, BEARER, bodyErrors, createRouter, errorResponse, jsonResponse, jsonText } from '../http/router.js';
import { writeUnavailable } from '../http/write-errors.js';
import { toNewEvent } from './new-event.js';
import { DEFAULT_PAGE_MAX_BYTES, eventPageJson } from './page.js';
import { eventPageStatement, readEventPage } from './repository.js';
import { EventListSchema, EventQuerySchema, IngestBodySchema, IngestResponseSchema, type EventList } from './schema.js';
import { dbIdentity } from '../core/caller.js';

export interface EventRoutesDeps {
  db: Database;
  /** The events' group-commit writer (shared with the webhook). */
  writer: EventWriter;
  auth: AuthOptions;
  ingestMaxBytes: number;
  /** Reads bodies under the process-wide budget and read timeout. */
  bodies: BodyReader;
  /** The time budget of one ingest write (the webhook's: GITHUB_WEBHOOK_STORE_TIMEOUT_MS). */
  writeTimeoutMs: number;
  /** The largest query answer in bytes (EVENTS_PAGE_MAX_BYTES); a larger page is cut, with a cursor to the rest. */
  pageMaxBytes: number;
}

export function eventRoutes(deps: EventRoutesDeps) {
  const router = createRouter();

  const ingest = createRoute({
    method: 'post',
    path: '/events/ingest',
    tags: ['OASIS'],
    summary: 'Record an event (agents, the deploy watcher)',
    security: BEARER,
    middleware: [authenticate(deps.auth, 'write'), deps.bodies.limit(deps.ingestMaxBytes)] as const,
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

  router.openapi(ingest, async (c) => {
    const body = c.req.valid('json');
    const caller = c.get('caller');
    const event = toNewEvent(body, caller, await c.req.json());
    c.set('vtid', event.vtid);
    let outcome;
    try {
      outcome = await deps.writer.write(dbIdentity(caller), event, deps.writeTimeoutMs, Number(c.req.header('content-length')) || undefined);
    } catch (error) {
      if (isPermissionDenied(error)) throw forbidden('wrong_tenant', `you may not write events for tenant "${event.tenant}"`);
      throw writeUnavailable(error, 'the event') ?? error;
    }
    if (outcome.id === null) throw conflict('external_id_conflict', 'an event with this source and externalId exists for another tenant');
    if (outcome.duplicate) return c.json({ ok: true as const, id: outcome.id, duplicate: true }, 200);
    return c.json({ ok: true as const, id: outcome.id }, 201);
  });

  const query = createRoute({
    method: 'get',
    path: '/api/v1/oasis/events',
    tags: ['OASIS'],
    summary: 'Query events, newest first',
    security: BEARER,
    middleware: [authenticate(deps.auth, 'read')] as const,
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

  router.openapi(query, async (c) => {
    const q = c.req.valid('query');
    if (q.vtid) {
      c.set('vtid', q.vtid);
      c.header('X-VTID', q.vtid);
    }
    const filters = { vtid: q.vtid, source: q.source, kind: q.kind, status: q.status, layer: q.layer, module: q.module, since: q.since, until: q.until, before: q.before };
    const options = { limit: q.limit, offset: q.offset, includePayload: q.include === 'payload' };
    // The role, the claims and the read go out together: one round trip to the database.
    const [result] = await batchAsRole(deps.db, dbIdentity(c.get('caller')), [eventPageStatement(filters, options, deps.pageMaxBytes)]);
    // The stored JSON documents go into the answer as the database's text, unparsed (see readEventPage).
    const page = eventPageJson(readEventPage(result!), { ...options, maxBytes: deps.pageMaxBytes });
    return jsonText<EventList>(c, page.body);
  });

  return router;
}
