import type { RouteHandler } from '@hono/zod-openapi';
import type { ErrorHandler } from 'hono';
import { errorBody } from '../http/errors.js';
import { failedForWantOfDatabase } from '../http/write-errors.js';
import type { PassResult } from './pass.js';
import type { healthRoute, reconcileRoute, ReconcilerEnv } from './reconciler.routes.js';

export const runPass: RouteHandler<typeof reconcileRoute, ReconcilerEnv> = async (c) => {
  const { reconciler, logger } = c.var.reconciler;
  const started = Date.now();
  const result: PassResult = await reconciler.reconcile();
  logger.info('pass finished', { passId: result.passId, skipped: result.skipped, rateLimited: result.rateLimited, ...result.totals, ms: Date.now() - started });
  return c.json(result, 200);
};

export const reconcilerHealth: RouteHandler<typeof healthRoute, ReconcilerEnv> = (c) =>
  c.json({ ok: true as const, service: 'delivery-reconciler' as const }, 200);

export const answerPassFailure: ErrorHandler<ReconcilerEnv> = (error, c) => {
  const unavailable = failedForWantOfDatabase(error);
  c.var.reconciler.logger.error(unavailable ? 'pass failed: OASIS database unavailable' : 'pass failed unexpectedly', { path: c.req.path, error });
  if (unavailable) {
    return c.json(errorBody('database_unavailable', 'the OASIS database is unavailable; the next pass covers the same deliveries'), 503, { 'Retry-After': '60' });
  }
  return c.json(errorBody('internal', 'internal error'), 500);
};
