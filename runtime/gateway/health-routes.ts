import { createRoute, z } from '@hono/zod-openapi';
import type { MigrationFile } from '../db/migrate.js';
import { migrationsCurrent } from '../db/migrate.js';
import type { Database } from '../core/database.js';
import { errorBody } from '../http/errors.js';
import { createRouter, errorResponse, jsonResponse } from '../http/router.js';

const OkSchema = z.object({ ok: z.literal(true) }).openapi('Ok');

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

export interface HealthDeps {
  db: Database;
  migrationFiles: MigrationFile[];
}

export function healthRoutes(deps: HealthDeps) {
  const router = createRouter();

  router.openapi(
    createRoute({
      method: 'get',
      path: '/healthz',
      tags: ['Operations'],
      summary: 'Liveness: the process answers',
      responses: { 200: jsonResponse('Alive.', OkSchema) },
    }),
    (c) => c.json({ ok: true as const }, 200),
  );

  router.openapi(
    createRoute({
      method: 'get',
      path: '/readyz',
      tags: ['Operations'],
      summary: 'Readiness: the database answers and every migration is applied',
      responses: { 200: jsonResponse('Ready.', OkSchema), 503: errorResponse('Database unreachable or migrations pending.') },
    }),
    async (c) => {
      try {
        if (await withinReadinessBound(migrationsCurrent(deps.db, deps.migrationFiles))) return c.json({ ok: true as const }, 200);
        c.set('errorCode', 'migrations_pending');
        return c.json(errorBody('migrations_pending', 'migrations are not current'), 503);
      } catch (error) {
        c.set('errorCode', 'database_unavailable');
        c.set('failure', error);
        const message = error instanceof ReadinessTimeout ? error.message : 'the database is unreachable';
        return c.json(errorBody('database_unavailable', message), 503);
      }
    },
  );

  return router;
}
