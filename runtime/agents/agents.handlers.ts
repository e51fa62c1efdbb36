import type { RouteHandler } from '@hono/zod-openapi';
import { dbIdentity } from '../core/caller.js';
import { asRole } from '../db/as-role.js';
import { isPermissionDenied } from '../db/errors.js';
import { conflict, forbidden } from '../http/errors.js';
import { writeUnavailable } from '../http/write-errors.js';
import type { AgentsEnv, heartbeat, list } from './agents.routes.js';
import { toBeat } from './beat.js';
import { recordHeartbeat } from './record-heartbeat.js';
import { listAgents } from './repository.js';
import { toAgentView } from './schema.js';
import { IDLE } from '@vitana/agent-heartbeat/wire';

export const receiveHeartbeat: RouteHandler<typeof heartbeat, AgentsEnv> = async (c) => {
  const { transactions, clock, writeTimeoutMs } = c.var.agents;
  const caller = c.get('caller');
  const beat = toBeat(c.req.valid('json'), caller);
  if (beat.vtid !== IDLE) c.set('vtid', beat.vtid);
  let outcome;
  try {
    outcome = await transactions.run(dbIdentity(caller), (tx) => recordHeartbeat(tx, beat, clock()), writeTimeoutMs);
  } catch (error) {
    if (isPermissionDenied(error)) throw forbidden('wrong_tenant', `you may not register agents for tenant "${beat.tenant}"`);
    // A beat sent again changes nothing that the first one changed.
    throw writeUnavailable(error, 'the heartbeat') ?? error;
  }
  if (outcome.outcome === 'tenant_conflict') throw conflict('agent_tenant_conflict', `agent "${beat.agent}" is registered for another tenant`);
  return c.json({ ok: true as const, data: toAgentView(outcome.state), eventId: outcome.eventId }, 200);
};

export const listAgentsPanel: RouteHandler<typeof list, AgentsEnv> = async (c) => {
  const agents = await asRole(c.var.agents.db, dbIdentity(c.get('caller')), (tx) => listAgents(tx));
  return c.json({ ok: true as const, data: agents.map(toAgentView) }, 200);
};
