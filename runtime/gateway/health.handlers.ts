import type { RouteHandler } from '@hono/zod-openapi';
import { migrationsCurrent } from '../db/migrate.js';
import { errorBody } from '../http/errors.js';
import type { HealthEnv, liveness, readiness } from './health.routes.js';

// Cloud Run's probe, and a load balancer's, give up after a few seconds: an answer that comes later
// is no answer. With every pooled connection busy (writes queued behind a lock), "not ready now" is
// the truth to tell, within this bound.
export const READINESS_TIMEOUT_MS = 2_000;

class ReadinessTimeout extends Error {
  constructor() {
    super(`the database did not answer the readiness check within ${READINESS_TIMEOUT_MS} ms`);
  }
}

function withinReadinessBound<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ReadinessTimeout()), READINESS_TIMEOUT_MS);
  });
  work.catch(() => {});
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export const alive: RouteHandler<typeof liveness, HealthEnv> = (c) => c.json({ ok: true as const }, 200);

export const ready: RouteHandler<typeof readiness, HealthEnv> = async (c) => {
  const { db, migrationFiles } = c.var.health;
  try {
    if (await withinReadinessBound(migrationsCurrent(db, migrationFiles))) return c.json({ ok: true as const }, 200);
    c.set('errorCode', 'migrations_pending');
    return c.json(errorBody('migrations_pending', 'migrations are not current'), 503);
  } catch (error) {
    c.set('errorCode', 'database_unavailable');
    c.set('failure', error);
    const message = error instanceof ReadinessTimeout ? error.message : 'the database is unreachable';
    return c.json(errorBody('database_unavailable', message), 503);
  }
};
