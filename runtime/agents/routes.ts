import { createRoute, z } from '@hono/zod-openapi';
import { asRole } from '../db/as-role.js';
import type { BatchedTransactions } from '../db/batched-transactions.js';
import { isPermissionDenied } from '../db/errors.js';
import type { Database } from '../core/database.js';
import { authenticate, type AuthOptions } from '../http/auth.js';
import type { BodyReader } from '../http/read-body.js';
import { conflict, forbidden } from '../http/errors.js';
import { authErrors, BEARER, bodyErrors, createRouter, errorResponse, jsonResponse } from '../http/router.js';
import { writeUnavailable } from '../http/write-errors.js';
import { toBeat } from './beat.js';
import { recordHeartbeat } from './record-heartbeat.js';
import { listAgents } from './repository.js';
import { AgentListSchema, HeartbeatBodySchema, HeartbeatResponseSchema, toAgentView } from './schema.js';
import { HEARTBEAT_PATH, IDLE } from '@vitana/agent-heartbeat/wire';
import { dbIdentity } from '../core/caller.js';

// A beat is a few dozen bytes; anything near this is not a heartbeat.
export const HEARTBEAT_MAX_BYTES = 16 * 1024;

export interface AgentRoutesDeps {
  db: Database;
  /** Group commit of the beats (shared with the ledger's writes). */
  transactions: BatchedTransactions;
  auth: AuthOptions;
  /** The gateway's clock: lastSeen and event times come from it. */
  clock: () => Date;
  /** The time budget of one beat (the webhook's: GITHUB_WEBHOOK_STORE_TIMEOUT_MS). */
  writeTimeoutMs: number;
  /** Reads bodies under the process-wide budget and read timeout. */
  bodies: BodyReader;
}

export function agentRoutes(deps: AgentRoutesDeps) {
  const router = createRouter();

  const heartbeat = createRoute({
    method: 'post',
    path: HEARTBEAT_PATH,
    tags: ['Agents'],
    summary: 'An agent says it is alive and which task it is on (runtime/heartbeat sends these)',
    security: BEARER,
    middleware: [authenticate(deps.auth, 'write'), deps.bodies.limit(HEARTBEAT_MAX_BYTES)] as const,
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

  router.openapi(heartbeat, async (c) => {
    const caller = c.get('caller');
    const beat = toBeat(c.req.valid('json'), caller);
    if (beat.vtid !== IDLE) c.set('vtid', beat.vtid);
    let outcome;
    try {
      outcome = await deps.transactions.run(dbIdentity(caller), (tx) => recordHeartbeat(tx, beat, deps.clock()), deps.writeTimeoutMs);
    } catch (error) {
      if (isPermissionDenied(error)) throw forbidden('wrong_tenant', `you may not register agents for tenant "${beat.tenant}"`);
      // A beat sent again changes nothing that the first one changed.
      throw writeUnavailable(error, 'the heartbeat') ?? error;
    }
    if (outcome.kind === 'tenant_conflict') throw conflict('agent_tenant_conflict', `agent "${beat.agent}" is registered for another tenant`);
    return c.json({ ok: true as const, data: toAgentView(outcome.state), eventId: outcome.eventId }, 200);
  });

  const list = createRoute({
    method: 'get',
    path: '/api/v1/agents',
    tags: ['Agents'],
    summary: 'Every agent with its status, current task and last beat (the Live Console’s agents panel)',
    security: BEARER,
    middleware: [authenticate(deps.auth, 'read')] as const,
    request: {
      query: z.object({ access_token: z.string().optional().openapi({ description: 'Bearer token for clients that cannot set headers.' }) }),
    },
    responses: { 200: jsonResponse('Agents by name.', AgentListSchema), ...authErrors },
  });

  router.openapi(list, async (c) => {
    const agents = await asRole(deps.db, dbIdentity(c.get('caller')), (tx) => listAgents(tx));
    return c.json({ ok: true as const, data: agents.map(toAgentView) }, 200);
  });

  return router;
}
