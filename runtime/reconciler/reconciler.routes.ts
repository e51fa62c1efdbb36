import { createRoute, z } from '@hono/zod-openapi';
import type { Logger } from '../core/log.js';
import { errorResponse, jsonResponse } from '../http/router.js';
import { COUNTERS, type Counter, type Reconciler } from './pass.js';

/** What the reconciler's handlers are given by createReconcilerApp (`c.var.reconciler`). */
export interface ReconcilerContext {
  reconciler: Reconciler;
  logger: Logger;
}

export interface ReconcilerEnv {
  Variables: { reconciler: ReconcilerContext };
}

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

export const reconcileRoute = createRoute({
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

export const healthRoute = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['Operations'],
  summary: 'Liveness: the process answers',
  responses: { 200: jsonResponse('Alive.', z.object({ ok: z.literal(true), service: z.literal('delivery-reconciler') })) },
});
