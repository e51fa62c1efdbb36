import { createRoute } from '@hono/zod-openapi';
import type { Database } from '../core/database.js';
import { authenticate } from '../http/auth.js';
import type { FeatureEnv } from '../http/env.js';
import { authErrors, BEARER, errorResponse, jsonResponse } from '../http/router.js';
import { TimelineParamsSchema, TimelineQuerySchema, TimelineResponseSchema } from './schema.js';

/** What the timeline route is given by the composition (`c.var.timeline`). */
export interface TimelineContext {
  db: Database;
}

export type TimelineEnv = FeatureEnv<'timeline', TimelineContext>;

export const timeline = createRoute({
  method: 'get',
  path: '/vtid/{vtid}/timeline',
  tags: ['VTID ledger'],
  summary: "A task's timeline: its ledger entry, parent and children, and every event grouped into phases with durations",
  description:
    'Works for ledger ids (VTID-2026-0001) and family ids (DEV-CICDL-0031). Read as the caller: an authenticated tenant sees only its own events (the ledger itself is readable by every tenant). 404 when the caller can see neither a ledger entry nor any event of the VTID, so another tenant\'s task looks exactly like one that does not exist.',
  security: BEARER,
  middleware: [authenticate('read')] as const,
  request: { params: TimelineParamsSchema, query: TimelineQuerySchema },
  responses: {
    200: jsonResponse('The timeline, oldest first.', TimelineResponseSchema),
    400: errorResponse('Not a VTID.'),
    ...authErrors,
    404: errorResponse('Nothing the caller may read carries this VTID.'),
  },
});
