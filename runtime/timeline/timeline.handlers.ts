import type { RouteHandler } from '@hono/zod-openapi';
import { dbIdentity } from '../core/caller.js';
import { parseVtid } from '@vitana/vtid';
import { asRole } from '../db/as-role.js';
import { notFound } from '../http/errors.js';
import { findLedgerEntry, listChildren } from '../ledger/ledger-repository.js';
import { buildTimeline } from './phases.js';
import { listTimelineEvents } from './repository.js';
import type { timeline, TimelineEnv } from './timeline.routes.js';

/** A task has tens of events; a VTID stamped on far more (a runaway agent) shows its oldest this many. */
export const TIMELINE_MAX_EVENTS = 2000;
const CHILDREN_LIMIT = 100;

export const showTimeline: RouteHandler<typeof timeline, TimelineEnv> = async (c) => {
  const { vtid } = c.req.valid('param');
  c.set('vtid', vtid);
  const kind = parseVtid(vtid)!.kind;
  const read = await asRole(c.var.timeline.db, dbIdentity(c.get('caller')), async (tx) => {
    const events = await listTimelineEvents(tx, vtid, TIMELINE_MAX_EVENTS + 1);
    if (kind !== 'ledger') return { events, entry: null, parent: null, children: [] };
    const entry = await findLedgerEntry(tx, vtid);
    const parent = entry?.parentVtid ? await findLedgerEntry(tx, entry.parentVtid) : null;
    const children = entry ? await listChildren(tx, vtid, CHILDREN_LIMIT + 1) : [];
    return { events, entry, parent, children };
  });
  if (read.entry === null && read.events.length === 0) throw notFound('vtid_not_found', `no task or event you may read carries ${vtid}`);
  const events = read.events.slice(0, TIMELINE_MAX_EVENTS);
  const phases = buildTimeline(events);
  return c.json(
    {
      ok: true as const,
      vtid,
      kind,
      ledger: { entry: read.entry, parent: read.parent, children: read.children.slice(0, CHILDREN_LIMIT), moreChildren: read.children.length > CHILDREN_LIMIT },
      ...phases,
      events: events.map(({ times: _times, ...event }) => event),
      truncated: read.events.length > TIMELINE_MAX_EVENTS,
    },
    200,
  );
};
