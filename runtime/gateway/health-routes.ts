import { createRoute, z } from '@hono/zod-openapi';
import type { MigrationFile } from '../db/migrate.js';
import { migrationsCurrent } from '../db/migrate.js';
import type { Database } from '../db/types.js';
import { errorBody } from '../http/errors.js';
import { createRouter, errorResponse, jsonResponse } from '../http/router.js';

const OkSchema = z.object({ ok: z.literal(true) }).openapi('Ok');

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
        if (await migrationsCurrent(deps.db, deps.migrationFiles)) return c.json({ ok: true as const }, 200);
        c.set('errorCode', 'migrations_pending');
        return c.json(errorBody('migrations_pending', 'migrations are not current'), 503);
      } catch (error) {
        c.set('errorCode', 'database_unavailable');
        c.set('failure', error);
        return c.json(errorBody('database_unavailable', 'the database is unreachable'), 503);
      }
    },
  );

  return router;
}
