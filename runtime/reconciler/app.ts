/**
 * The reconciler's HTTP surface: `POST /reconcile` (Cloud Scheduler, every 15 minutes by default) and
 * `GET /healthz`. Like the deploy watcher, the service is private on Cloud Run: only the scheduler's
 * identity holds roles/run.invoker, and Cloud Run checks its OIDC token before a request gets here,
 * so there is no auth code in the app (infra/reconciler.ts, proven by test/infra/reconciler.test.ts).
 *
 * A pass that ran answers 200, also when GitHub rate-limited it (`rateLimited` says how long to wait):
 * a 5xx would make Scheduler retry at once, which is what GitHub asked us not to do. Only an OASIS
 * outage is a 5xx (503); nothing is lost, the next pass sees the same deliveries.
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { isDatabaseUnavailable } from '../db/errors.js';
import { WriteOutcomeUnknownError, WriteTimeoutError } from '../db/write-budget.js';
import { errorBody } from '../http/errors.js';
import { errorResponse, jsonResponse } from '../http/router.js';
import type { Logger } from '../core/log.js';
import { COUNTERS, type Counter, type PassResult, type Reconciler } from './pass.js';

const CountsSchema = z.object(Object.fromEntries(COUNTERS.map((name) => [name, z.number().int()])) as Record<Counter, z.ZodNumber>);

const HookResultSchema = CountsSchema.extend({
  hook: z.string().openapi({ example: 'repo:acme/api/123' }),
  outcome: z.enum(['read', 'missing', 'failed', 'rate_limited', 'not_reached']),
  pages: z.number().int(),
  truncated: z.boolean(),
  error: z.string().optional(),
});

export const PassResultSchema = z
  .object({
    ok: z.literal(true),
    passId: z.string(),
    from: z.string().openapi({ format: 'date-time' }),
    to: z.string().openapi({ format: 'date-time' }),
    skipped: z.boolean().openapi({ description: 'An earlier rate limit has not expired: GitHub was not called.' }),
    rateLimited: z
      .object({
        retryAfterSeconds: z.number().int(),
        until: z.string().openapi({ format: 'date-time' }),
        limit: z.enum(['primary', 'secondary']),
        hook: z.string().nullable(),
      })
      .nullable(),
    totals: CountsSchema,
    hooks: z.array(HookResultSchema),
  })
  .openapi('ReconcilePass');

const reconcileRoute = createRoute({
  method: 'post',
  path: '/reconcile',
  tags: ['Delivery reconciler'],
  summary: "Redeliver the configured hooks' deliveries that failed or that OASIS does not hold",
  responses: {
    200: jsonResponse('The pass ran (or was skipped while GitHub asks to wait); what it found and did.', PassResultSchema),
    500: errorResponse('Unexpected failure.'),
    503: errorResponse('The OASIS database is unavailable (database_unavailable); the next pass covers the same deliveries.'),
  },
});

const healthRoute = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['Operations'],
  summary: 'Liveness: the process answers',
  responses: { 200: jsonResponse('Alive.', z.object({ ok: z.literal(true), service: z.literal('delivery-reconciler') })) },
});

export function createReconcilerApp(deps: { reconciler: Reconciler; logger: Logger }): OpenAPIHono {
  const { reconciler, logger } = deps;
  const app = new OpenAPIHono();

  app.openapi(reconcileRoute, async (c) => {
    const started = Date.now();
    const result: PassResult = await reconciler.reconcile();
    logger.info('pass finished', { passId: result.passId, skipped: result.skipped, rateLimited: result.rateLimited, ...result.totals, ms: Date.now() - started });
    return c.json(result, 200);
  });

  app.openapi(healthRoute, (c) => c.json({ ok: true as const, service: 'delivery-reconciler' as const }, 200));

  app.onError((error, c: Context) => {
    const unavailable = error instanceof WriteTimeoutError || error instanceof WriteOutcomeUnknownError || isDatabaseUnavailable(error);
    logger.error(unavailable ? 'pass failed: OASIS database unavailable' : 'pass failed unexpectedly', { path: c.req.path, error });
    if (unavailable) {
      return c.json(errorBody('database_unavailable', 'the OASIS database is unavailable; the next pass covers the same deliveries'), 503, { 'Retry-After': '60' });
    }
    return c.json(errorBody('internal', 'internal error'), 500);
  });

  app.notFound((c) => c.json(errorBody('not_found', `no route for ${c.req.method} ${c.req.path}`), 404));

  return app;
}
