/**
 * The watcher's HTTP surface: `POST /poll` (Cloud Scheduler, every minute; on Cloud Run only the
 * scheduler's identity may invoke the service, so there is no auth code here) and `GET /healthz`.
 * Failures of the services it depends on are 5xx with `{ ok: false, error: { code, message } }`, so
 * Scheduler records a failed attempt; nothing is lost, the next poll covers the same window.
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { errorBody } from '../http/errors.js';
import { errorResponse, jsonResponse } from '../http/router.js';
import type { Logger } from '../core/log.js';
import { GatewayError } from './gateway-client.js';
import { LoggingQuotaError, LoggingUnavailableError } from './logging-source.js';
import type { Poller } from './poll.js';

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

const pollRoute = createRoute({
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

const healthRoute = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['Operations'],
  summary: 'Liveness: the process answers',
  responses: { 200: jsonResponse('Alive.', HealthSchema) },
});

export interface WatcherAppDeps {
  poller: Poller;
  logger: Logger;
}

interface Failure {
  status: ContentfulStatusCode;
  code: string;
  message: string;
  headers?: Record<string, string>;
}

function classify(error: unknown): Failure {
  if (error instanceof LoggingQuotaError) {
    return { status: 503, code: 'logging_quota_exhausted', message: error.message, headers: { 'Retry-After': '60' } };
  }
  if (error instanceof LoggingUnavailableError) return { status: 502, code: 'logging_unavailable', message: error.message };
  if (error instanceof GatewayError) return { status: 502, code: 'gateway_unavailable', message: error.message };
  return { status: 500, code: 'internal', message: 'internal error' };
}

export function createWatcherApp(deps: WatcherAppDeps): OpenAPIHono {
  const { poller, logger } = deps;
  const app = new OpenAPIHono();

  app.openapi(pollRoute, async (c) => {
    const started = Date.now();
    const result = await poller.poll();
    logger.info('poll finished', { ...result, ms: Date.now() - started });
    return c.json(result, 200);
  });

  app.openapi(healthRoute, (c) => c.json({ ok: true as const, service: 'deploy-watcher' as const }, 200));

  app.onError((error, c: Context) => {
    const failure = classify(error);
    logger.error(failure.status === 500 ? 'poll failed unexpectedly' : 'poll failed', {
      code: failure.code,
      path: c.req.path,
      error,
    });
    return c.json(errorBody(failure.code, failure.message), failure.status, failure.headers ?? {});
  });

  app.notFound((c) => c.json(errorBody('not_found', `no route for ${c.req.method} ${c.req.path}`), 404));

  return app;
}
