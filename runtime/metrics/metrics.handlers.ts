import type { RouteHandler } from '@hono/zod-openapi';
import { dbIdentity } from '../core/caller.js';
import { batchAsRole } from '../db/as-role.js';
import { badRequest } from '../http/errors.js';
import { fourKeys } from './figures.js';
import type { metrics, MetricsEnv } from './metrics.routes.js';
import { METRICS_WORK_MEM, metricsStatement, readAggregates } from './repository.js';
import { resolveWindow, windowLengthDays } from './window.js';

export const showMetrics: RouteHandler<typeof metrics, MetricsEnv> = async (c) => {
  const { db, clock } = c.var.metrics;
  const q = c.req.valid('query');
  const resolved = resolveWindow(q.since, q.until, clock());
  if (resolved.outcome === 'invalid') throw badRequest('invalid_window', resolved.message);
  const { window } = resolved;
  const filters = { service: q.service, repo: q.repo, layer: q.layer, module: q.module };
  const [, result] = await batchAsRole(db, dbIdentity(c.get('caller')), [METRICS_WORK_MEM, metricsStatement(window, filters)]);
  return c.json(
    {
      ok: true as const,
      window: { since: window.since.toISOString(), until: window.until.toISOString(), days: windowLengthDays(window) },
      filters: { service: q.service ?? null, repo: q.repo ?? null, layer: q.layer ?? null, module: q.module ?? null },
      ...fourKeys(readAggregates(result!), window),
    },
    200,
  );
};
