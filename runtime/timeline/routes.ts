import { createRoute } from '@hono/zod-openapi';
import { asRole } from '../db/as-role.js';
import type { Database } from '../core/database.js';
import { authenticate, type AuthOptions } from '../http/auth.js';
import { notFound } from '../http/errors.js';
import { authErrors, BEARER, createRouter, errorResponse, jsonResponse } from '../http/router.js';
import { findLedgerEntry, listChildren } from '../ledger/ledger-repository.js';
import { parseVtid } from '@vitana/vtid';
import { buildTimeline } from './phases.js';
import { listTimelineEvents } from './repository.js';
import { TimelineParamsSchema, TimelineQuerySchema, TimelineResponseSchema } from './schema.js';
import { dbIdentity } from '../core/caller.js';

export interface TimelineRoutesDeps {
  db: Database;
  auth: AuthOptions;
}

/** A task has tens of events; a VTID stamped on far more (a runaway agent) shows its oldest this many. */
export const TIMELINE_MAX_EVENTS = 2000;
const CHILDREN_LIMIT = 100;

export function timelineRoutes(deps: TimelineRoutesDeps) {
  const router = createRouter();

  const route = createRoute({
    method: 'get',
    path: '/vtid/{vtid}/timeline',
    tags: ['VTID ledger'],
    summary: "A task's timeline: its ledger entry, parent and children, and every event grouped into phases with durations",
    description:
      'Works for ledger ids (VTID-2026-0001) and family ids (DEV-CICDL-0031). Read as the caller: an authenticated tenant sees only its own events (the ledger itself is readable by every tenant). 404 when the caller can see neither a ledger entry nor any event of the VTID, so another tenant\'s task looks exactly like one that does not exist.',
    security: BEARER,
    middleware: [authenticate(deps.auth, 'read')] as const,
    request: { params: TimelineParamsSchema, query: TimelineQuerySchema },
    responses: {
      200: jsonResponse('The timeline, oldest first.', TimelineResponseSchema),
      400: errorResponse('Not a VTID.'),
      ...authErrors,
      404: errorResponse('Nothing the caller may read carries this VTID.'),
    },
  });

  router.openapi(route, async (c) => {
    const { vtid } = c.req.valid('param');
    c.set('vtid', vtid);
    const kind = parseVtid(vtid)!.kind;
    const read = await asRole(deps.db, dbIdentity(c.get('caller')), async (tx) => {
      const events = await listTimelineEvents(tx, vtid, TIMELINE_MAX_EVENTS + 1);
      if (kind !== 'ledger') return { events, entry: null, parent: null, children: [] };
      const entry = await findLedgerEntry(tx, vtid);
      const parent = entry?.parentVtid ? await findLedgerEntry(tx, entry.parentVtid) : null;
      const children = entry ? await listChildren(tx, vtid, CHILDREN_LIMIT + 1) : [];
      return { events, entry, parent, children };
    });
    if (read.entry === null && read.events.length === 0) throw notFound('vtid_not_found', `no task or event you may read carries ${vtid}`);
    const events = read.events.slice(0, TIMELINE_MAX_EVENTS);
    const timeline = buildTimeline(events);
    return c.json(
      {
        ok: true as const,
        vtid,
        kind,
        ledger: { entry: read.entry, parent: read.parent, children: read.children.slice(0, CHILDREN_LIMIT), moreChildren: read.children.length > CHILDREN_LIMIT },
        ...timeline,
        events: events.map(({ times: _times, ...event }) => event),
        truncated: read.events.length > TIMELINE_MAX_EVENTS,
      },
      200,
    );
  });

  return router;
}
