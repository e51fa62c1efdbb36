import { createRoute, z } from '@hono/zod-openapi';
import type { Database } from '../core/database.js';
import type { MigrationFile } from '../db/migrate.js';
import type { FeatureEnv } from '../http/env.js';
import { errorResponse, jsonResponse } from '../http/router.js';

const OkSchema = z.object({ ok: z.literal(true) }).openapi('Ok');

/** What the probes are given by the composition (`c.var.health`). */
export interface HealthContext {
  db: Database;
  migrationFiles: MigrationFile[];
}

export type HealthEnv = FeatureEnv<'health', HealthContext>;

export const liveness = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['Operations'],
  summary: 'Liveness: the process answers',
  responses: { 200: jsonResponse('Alive.', OkSchema) },
});

export const readiness = createRoute({
  method: 'get',
  path: '/readyz',
  tags: ['Operations'],
  summary: 'Readiness: the database answers and every migration is applied',
  responses: { 200: jsonResponse('Ready.', OkSchema), 503: errorResponse('Database unreachable or migrations pending.') },
});
