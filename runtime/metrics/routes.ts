import { createRoute } from '@hono/zod-openapi';
import { batchAsRole } from '../db/as-role.js';
import type { Database } from '../core/database.js';
import { authenticate, type AuthOptions } from '../http/auth.js';
import { badRequest } from '../http/errors.js';
import { authErrors, BEARER, createRouter, errorResponse, jsonResponse } from '../http/router.js';
import { fourKeys } from './figures.js';
import { METRICS_WORK_MEM, metricsStatement, readAggregates } from './repository.js';
import { MetricsQuerySchema, MetricsResponseSchema } from './schema.js';
import { resolveWindow, windowLengthDays } from './window.js';
import { dbIdentity } from '../core/caller.js';

export interface MetricsRoutesDeps {
  db: Database;
  auth: AuthOptions;
  clock: () => Date;
}

export function metricsRoutes(deps: MetricsRoutesDeps) {
  const router = createRouter();

  const route = createRoute({
    method: 'get',
    path: '/api/v1/oasis/metrics',
    tags: ['OASIS'],
    summary: 'The four keys (DORA): deployment frequency, lead time for changes, change failure rate, failed-deployment recovery time',
    description: 'Each with its sample count and a daily series (UTC days). Definitions: docs/METRICS.md. Read as the caller: a tenant sees figures of its own events only.',
    security: BEARER,
    middleware: [authenticate(deps.auth, 'read')] as const,
    request: { query: MetricsQuerySchema },
    responses: {
      200: jsonResponse('The four keys over the window.', MetricsResponseSchema),
      400: errorResponse('Invalid timestamp or filter, since not before until, or a window longer than 366 days.'),
      ...authErrors,
    },
  });

  router.openapi(route, async (c) => {
    const q = c.req.valid('query');
    const resolved = resolveWindow(q.since, q.until, deps.clock());
    if (!resolved.ok) throw badRequest('invalid_window', resolved.message);
    const { window } = resolved;
    const filters = { service: q.service, repo: q.repo, layer: q.layer, module: q.module };
    const [, result] = await batchAsRole(deps.db, dbIdentity(c.get('caller')), [METRICS_WORK_MEM, metricsStatement(window, filters)]);
    return c.json(
      {
        ok: true as const,
        window: { since: window.since.toISOString(), until: window.until.toISOString(), days: windowLengthDays(window) },
        filters: { service: q.service ?? null, repo: q.repo ?? null, layer: q.layer ?? null, module: q.module ?? null },
        ...fourKeys(readAggregates(result!), window),
      },
      200,
    );
  });

  return router;
}
