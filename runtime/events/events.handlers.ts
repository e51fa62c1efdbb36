import type { RouteHandler } from '@hono/zod-openapi';
import { dbIdentity } from '../core/caller.js';
import { batchAsRole } from '../db/as-role.js';
import { isPermissionDenied } from '../db/errors.js';
import { conflict, forbidden } from '../http/errors.js';
import { jsonText } from '../http/router.js';
import { writeUnavailable } from '../http/write-errors.js';
import type { EventsEnv, ingest, query } from './events.routes.js';
import { toNewEvent } from './new-event.js';
import { eventPageJson } from './page.js';
import { eventPageStatement, readEventPage } from './repository.js';
import type { EventList } from './schema.js';

export const ingestEvent: RouteHandler<typeof ingest, EventsEnv> = async (c) => {
  const { writer, writeTimeoutMs } = c.var.events;
  const body = c.req.valid('json');
  const caller = c.get('caller');
  const event = toNewEvent(body, caller, await c.req.json());
  c.set('vtid', event.vtid);
  let outcome;
  try {
    outcome = await writer.write(dbIdentity(caller), event, writeTimeoutMs, Number(c.req.header('content-length')) || undefined);
  } catch (error) {
    if (isPermissionDenied(error)) throw forbidden('wrong_tenant', `you may not write events for tenant "${event.tenant}"`);
    throw writeUnavailable(error, 'the event') ?? error;
  }
  switch (outcome.outcome) {
    case 'taken':
      throw conflict('external_id_conflict', 'an event with this source and externalId exists for another tenant');
    case 'duplicate':
      return c.json({ ok: true as const, id: outcome.id, duplicate: true }, 200);
    case 'stored':
      return c.json({ ok: true as const, id: outcome.id }, 201);
  }
};

export const queryEvents: RouteHandler<typeof query, EventsEnv> = async (c) => {
  const { db, pageMaxBytes } = c.var.events;
  const q = c.req.valid('query');
  if (q.vtid) {
    c.set('vtid', q.vtid);
    c.header('X-VTID', q.vtid);
  }
  const filters = { vtid: q.vtid, source: q.source, kind: q.kind, status: q.status, layer: q.layer, module: q.module, since: q.since, until: q.until, before: q.before };
  const options = { limit: q.limit, offset: q.offset, includePayload: q.include === 'payload' };
  // The role, the claims and the read go out together: one round trip to the database.
  const [result] = await batchAsRole(db, dbIdentity(c.get('caller')), [eventPageStatement(filters, options, pageMaxBytes)]);
  // The stored JSON documents go into the answer as the database's text, unparsed (see readEventPage).
  const page = eventPageJson(readEventPage(result!), { ...options, maxBytes: pageMaxBytes });
  return jsonText<EventList>(c, page.body);
};
