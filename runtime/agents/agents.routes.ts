import { createRoute, z } from '@hono/zod-openapi';
import { HEARTBEAT_PATH } from '@vitana/agent-heartbeat/wire';
import type { Database } from '../core/database.js';
import type { BatchedTransactions } from '../db/batched-transactions.js';
import { AccessTokenQuerySchema, authenticate } from '../http/auth.js';
import type { FeatureEnv } from '../http/env.js';
import { readJsonBody } from '../http/read-body.js';
import { authErrors, BEARER, bodyErrors, errorResponse, jsonResponse } from '../http/router.js';
import { AgentListSchema, HeartbeatBodySchema, HeartbeatResponseSchema } from './schema.js';

// A beat is a few dozen bytes; anything near this is not a heartbeat.
export const HEARTBEAT_MAX_BYTES = 16 * 1024;

/** What the agent routes are given by the composition (`c.var.agents`). */
export interface AgentsContext {
  db: Database;
  /** Group commit of the beats (shared with the ledger's writes). */
  transactions: BatchedTransactions;
  /** The gateway's clock: lastSeen and event times come from it. */
  clock: () => Date;
  /** The time budget of one beat (the webhook's: GITHUB_WEBHOOK_STORE_TIMEOUT_MS). */
  writeTimeoutMs: number;
}

export type AgentsEnv = FeatureEnv<'agents', AgentsContext>;

export const heartbeat = createRoute({
  method: 'post',
  path: HEARTBEAT_PATH,
  tags: ['Agents'],
  summary: 'An agent says it is alive and which task it is on (the @vitana/agent-heartbeat client sends these)',
  security: BEARER,
  middleware: [authenticate('write'), readJsonBody(HEARTBEAT_MAX_BYTES)] as const,
  request: { body: { required: true, content: { 'application/json': { schema: HeartbeatBodySchema } } } },
  responses: {
    200: jsonResponse('Recorded; eventId is the OASIS event of a change, null when the beat changed nothing.', HeartbeatResponseSchema),
    400: errorResponse('Invalid JSON or fields; the message names them.'),
    ...authErrors,
    409: errorResponse('The agent name is registered for another tenant.'),
    ...bodyErrors,
    415: errorResponse('Not application/json.'),
    503: errorResponse('store_timeout / database_unavailable: nothing was stored. store_outcome_unknown: it may have landed; the next beat is harmless either way.'),
  },
});

export const list = createRoute({
  method: 'get',
  path: '/api/v1/agents',
  tags: ['Agents'],
  summary: 'Every agent with its status, current task and last beat (the Live Console’s agents panel)',
  security: BEARER,
  middleware: [authenticate('read')] as const,
  request: {
    query: z.object({ access_token: AccessTokenQuerySchema }),
  },
  responses: { 200: jsonResponse('Agents by name.', AgentListSchema), ...authErrors },
});
