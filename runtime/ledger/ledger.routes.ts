import { createRoute } from '@hono/zod-openapi';
import type { Database } from '../core/database.js';
import type { BatchedTransactions } from '../db/batched-transactions.js';
import { authenticate } from '../http/auth.js';
import type { FeatureEnv } from '../http/env.js';
import { readJsonBody } from '../http/read-body.js';
import { authErrors, BEARER, bodyErrors, errorResponse, jsonResponse } from '../http/router.js';
import { healthRouteAccess } from '../http/service-details.js';
import type { LedgerCreator } from './ledger-creator.js';
import {
  CreateVtidBodySchema,
  GetVtidQuerySchema,
  ListVtidQuerySchema,
  PatchVtidBodySchema,
  VtidDetailSchema,
  VtidHealthSchema,
  VtidListSchema,
  VtidParamsSchema,
  VtidResultSchema,
} from './schema.js';

/** What the ledger routes are given by the composition (`c.var.ledger`). */
export interface LedgerContext {
  db: Database;
  /** Group commit of the ledger's updates (shared with the heartbeats). */
  transactions: BatchedTransactions;
  /** Group commit of task creation. */
  creator: LedgerCreator;
  /** The VTID's year is the UTC year of this clock at create time (tests inject one). */
  clock: () => Date;
  /** The time budget of one ledger write (the webhook's: GITHUB_WEBHOOK_STORE_TIMEOUT_MS). */
  writeTimeoutMs: number;
}

export type LedgerEnv = FeatureEnv<'ledger', LedgerContext>;

// Static paths first: /vtid/list and /vtid/health must not be taken for /vtid/{vtid}.
export const create = createRoute({
  method: 'post',
  path: '/vtid/create',
  tags: ['VTID ledger'],
  summary: 'Register a task and get its VTID (VTID-YYYY-NNNN, sequential within the UTC year)',
  security: BEARER,
  middleware: [authenticate('write'), readJsonBody()] as const,
  request: { body: { required: true, content: { 'application/json': { schema: CreateVtidBodySchema } } } },
  responses: {
    201: jsonResponse('Registered; `vtid` is the new id.', VtidResultSchema),
    400: errorResponse('Invalid JSON or fields; the message names them.'),
    ...authErrors,
    ...bodyErrors,
    415: errorResponse('Not application/json.'),
    422: errorResponse('parentVtid names no ledger task.'),
    503: errorResponse(
      'store_timeout / database_unavailable: nothing was stored. store_outcome_unknown: the commit was not confirmed in time and may have landed; look for the task in /vtid/list before creating it again.',
    ),
  },
});

export const list = createRoute({
  method: 'get',
  path: '/vtid/list',
  tags: ['VTID ledger'],
  summary: 'List tasks, newest first, with keyset paging',
  security: BEARER,
  middleware: [authenticate('read')] as const,
  request: { query: ListVtidQuerySchema },
  responses: {
    200: jsonResponse('A page of tasks; pass nextCursor as `before` for the next one.', VtidListSchema),
    400: errorResponse('Invalid filter or limit.'),
    ...authErrors,
  },
});

const healthAccess = healthRouteAccess(VtidHealthSchema, 'The ledger is reachable (with its counter for the service role).');
export const health = createRoute({
  method: 'get',
  path: '/vtid/health',
  tags: ['VTID ledger'],
  summary: 'The ledger answers; for the service role also the current UTC year and how many VTIDs it has handed out',
  description: 'Without a service-role token the answer is only `{"ok": true}` (or the 503).',
  ...healthAccess,
  responses: { ...healthAccess.responses, 503: errorResponse('The database is unavailable.') },
});

export const get = createRoute({
  method: 'get',
  path: '/vtid/{vtid}',
  tags: ['VTID ledger'],
  summary: 'One task, optionally with its direct subtasks',
  security: BEARER,
  middleware: [authenticate('read')] as const,
  request: { params: VtidParamsSchema, query: GetVtidQuerySchema },
  responses: {
    200: jsonResponse('The task.', VtidDetailSchema),
    400: errorResponse('Not a ledger VTID (VTID-YYYY-NNNN).'),
    ...authErrors,
    404: errorResponse('No such task.'),
  },
});

export const patch = createRoute({
  method: 'patch',
  path: '/vtid/{vtid}',
  tags: ['VTID ledger'],
  summary: 'Move a task along its status machine, reassign it, edit its description, merge metadata',
  security: BEARER,
  middleware: [authenticate('write'), readJsonBody()] as const,
  request: {
    params: VtidParamsSchema,
    body: { required: true, content: { 'application/json': { schema: PatchVtidBodySchema } } },
  },
  responses: {
    200: jsonResponse('The task after the change (unchanged when every given value was already stored).', VtidResultSchema),
    400: errorResponse('Not a ledger VTID, invalid JSON or fields.'),
    ...authErrors,
    404: errorResponse('No such task.'),
    409: errorResponse('The status cannot move there from the current one; the message names it.'),
    ...bodyErrors,
    415: errorResponse('Not application/json.'),
    503: errorResponse(
      'store_timeout / database_unavailable: nothing was stored. store_outcome_unknown: the commit was not confirmed in time and may have landed; sending the change again is harmless.',
    ),
  },
});
