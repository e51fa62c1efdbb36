import { createRoute } from '@hono/zod-openapi';
import { batchAsRole } from '../db/as-role.js';
import type { Database } from '../core/database.js';
import { authenticate, type AuthOptions } from '../http/auth.js';
import { authErrors, BEARER, createRouter, errorResponse, jsonResponse } from '../http/router.js';
import { buildBoard } from './board.js';
import { boardStatement, readAttempts } from './repository.js';
import { BoardQuerySchema, BoardResponseSchema } from './schema.js';
import { dbIdentity } from '../core/caller.js';

export interface BoardRoutesDeps {
  db: Database;
  auth: AuthOptions;
  clock: () => Date;
}

const DAY_MS = 86_400_000;

export function boardRoutes(deps: BoardRoutesDeps) {
  const router = createRouter();

  const route = createRoute({
    method: 'get',
    path: '/api/v1/oasis/board',
    tags: ['OASIS'],
    summary: 'The wall board: the latest state of each workflow per repository and of each Cloud Run service, red first, with since when',
    security: BEARER,
    middleware: [authenticate(deps.auth, 'read')] as const,
    request: { query: BoardQuerySchema },
    responses: {
      200: jsonResponse('One row per workflow and per service seen in the last `days` days.', BoardResponseSchema),
      400: errorResponse('Invalid filter or days.'),
      ...authErrors,
    },
  });

  router.openapi(route, async (c) => {
    const q = c.req.valid('query');
    const since = new Date(deps.clock().getTime() - q.days * DAY_MS);
    const [result] = await batchAsRole(deps.db, dbIdentity(c.get('caller')), [boardStatement(since)]);
    const board = buildBoard(readAttempts(result!), { repo: q.repo, service: q.service, layer: q.layer, module: q.module, status: q.status });
    return c.json({ ok: true as const, since: since.toISOString(), ...board }, 200);
  });

  return router;
}
