import { createRouter } from '../http/router.js';
import { ingestEvent, queryEvents } from './events.handlers.js';
import { ingest, query, type EventsEnv } from './events.routes.js';

/** The OASIS event store's routes: ingest and query. Dependencies come from `c.var.events`. */
export const eventsRouter = createRouter<EventsEnv>().openapi(ingest, ingestEvent).openapi(query, queryEvents);
