import { createRoute } from '@hono/zod-openapi';
import type { Database } from '../core/database.js';
import { authenticate } from '../http/auth.js';
import type { FeatureEnv } from '../http/env.js';
import { authErrors, BEARER, errorResponse, jsonResponse } from '../http/router.js';
import { MetricsQuerySchema, MetricsResponseSchema } from './schema.js';

/** What the metrics route is given by the composition (`c.var.metrics`). */
export interface MetricsContext {
  db: Database;
  clock: () => Date;
}

export type MetricsEnv = FeatureEnv<'metrics', MetricsContext>;

export const metrics = createRoute({
  method: 'get',
  path: '/api/v1/oasis/metrics',
  tags: ['OASIS'],
  summary: 'The four keys (DORA): deployment frequency, lead time for changes, change failure rate, failed-deployment recovery time',
  description: 'Each with its sample count and a daily series (UTC days). Definitions: docs/METRICS.md. Read as the caller: a tenant sees figures of its own events only.',
  security: BEARER,
  middleware: [authenticate('read')] as const,
  request: { query: MetricsQuerySchema },
  responses: {
    200: jsonResponse('The four keys over the window.', MetricsResponseSchema),
    400: errorResponse('Invalid timestamp or filter, since not before until, or a window longer than 366 days.'),
    ...authErrors,
  },
});
