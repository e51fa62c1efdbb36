import { createRoute } from '@hono/zod-openapi';
import type { Database } from '../core/database.js';
import { authenticate } from '../http/auth.js';
import type { FeatureEnv } from '../http/env.js';
import { authErrors, BEARER, errorResponse, jsonResponse } from '../http/router.js';
import { BoardQuerySchema, BoardResponseSchema } from './schema.js';

/** What the board route is given by the composition (`c.var.board`). */
export interface BoardContext {
  db: Database;
  clock: () => Date;
}

export type BoardEnv = FeatureEnv<'board', BoardContext>;

export const board = createRoute({
  method: 'get',
  path: '/api/v1/oasis/board',
  tags: ['OASIS'],
  summary: 'The wall board: the latest state of each workflow per repository and of each Cloud Run service, red first, with since when',
  security: BEARER,
  middleware: [authenticate('read')] as const,
  request: { query: BoardQuerySchema },
  responses: {
    200: jsonResponse('One row per workflow and per service seen in the last `days` days.', BoardResponseSchema),
    400: errorResponse('Invalid filter or days.'),
    ...authErrors,
  },
});
