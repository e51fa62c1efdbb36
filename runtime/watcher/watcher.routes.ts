import { createRoute, z } from '@hono/zod-openapi';
import type { Logger } from '../core/log.js';
import { errorResponse, jsonResponse } from '../http/router.js';
import type { Poller } from './poll.js';

/** What the watcher's handlers are given by createWatcherApp (`c.var.watcher`). */
export interface WatcherContext {
  poller: Poller;
  logger: Logger;
}

export interface WatcherEnv {
  Variables: { watcher: WatcherContext };
}

export const PollResultSchema = z
  .object({
    ok: z.literal(true),
    scanned: z.number().int().openapi({ description: 'Log entries read.' }),
    published: z.number().int().openapi({ description: 'New events stored by the gateway.' }),
    duplicates: z.number().int().openapi({ description: 'Events the gateway already had (the overlap re-read).' }),
    skipped: z.number().int().openapi({ description: 'Entries that are not deploy events, or could not be decoded.' }),
    rejected: z.number().int().openapi({ description: 'Events the gateway refused as invalid (logged).' }),
    pages: z.number().int().openapi({ description: 'Cloud Logging list requests that returned a page.' }),
    truncated: z.boolean().openapi({ description: 'The page cap ended the poll early; the next poll resumes from `resumeFrom`.' }),
    from: z.string().openapi({ format: 'date-time', description: 'Start of the window read (inclusive).' }),
    to: z.string().openapi({ format: 'date-time', description: 'End of the window read (inclusive).' }),
    resumeFrom: z.string().nullable().openapi({ format: 'date-time', description: 'ts of the last event published in this poll.' }),
  })
  .openapi('PollResult');

const HealthSchema = z.object({ ok: z.literal(true), service: z.literal('deploy-watcher') }).openapi('WatcherHealth');

export const pollRoute = createRoute({
  method: 'post',
  path: '/poll',
  tags: ['Deploy watcher'],
  summary: 'Read new Cloud Run deploy entries from Cloud Logging and publish them as OASIS events',
  responses: {
    200: jsonResponse('The poll finished; counts of what it read and published.', PollResultSchema),
    500: errorResponse('Unexpected failure.'),
    502: errorResponse('Cloud Logging or the gateway failed or could not be reached (logging_unavailable, gateway_unavailable).'),
    503: errorResponse('The Cloud Logging read quota stayed exhausted after back-off (logging_quota_exhausted).'),
  },
});

export const healthRoute = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['Operations'],
  summary: 'Liveness: the process answers',
  responses: { 200: jsonResponse('Alive.', HealthSchema) },
});
