import type { Queryable } from '../core/database.js';
import { OFFLINE_AFTER_INTERVALS, type AgentState, type AgentStatus } from './state.js';

/**
 * All SQL of the agent registry (oasis_agents). Every statement is parameterized, and every time is
 * the gateway's clock passed in, never the database's now(), so tests can move time.
 */

interface AgentRow {
  agent: string;
  vtid: string;
  status: AgentStatus;
  tenant: string;
  interval_ms: number;
  last_seen: Date | string;
  updated_at: Date | string;
}

const COLUMNS = 'agent, vtid, status, tenant, interval_ms, last_seen, updated_at';

function toState(row: AgentRow): AgentState {
  return {
    agent: row.agent,
    vtid: row.vtid,
    status: row.status,
    tenant: row.tenant,
    intervalMs: Number(row.interval_ms),
    lastSeen: new Date(row.last_seen),
    updatedAt: new Date(row.updated_at),
  };
}

/**
 * The agent's row, locked until the transaction ends so that concurrent beats of one agent (several
 * gateway instances) are decided one after the other. Null when there is none the caller may see.
 */
export async function lockAgent(tx: Queryable, agent: string): Promise<AgentState | null> {
  const { rows } = await tx.query<AgentRow>(`select ${COLUMNS} from public.oasis_agents where agent = $1 for update`, [agent]);
  return rows[0] ? toState(rows[0]) : null;
}

/**
 * Registers a new agent. False when the name is taken: by a concurrent first beat (PostgreSQL waits
 * for that transaction to commit, so a following lockAgent sees its row) or by another tenant's agent.
 */
export async function insertAgentIfAbsent(tx: Queryable, state: AgentState): Promise<boolean> {
  const { rows } = await tx.query<{ agent: string }>(
    `insert into public.oasis_agents (agent, vtid, status, tenant, interval_ms, last_seen, updated_at)
     values ($1, $2, $3, $4, $5, $6::timestamptz, $7::timestamptz)
     on conflict (agent) do nothing
     returning agent`,
    [state.agent, state.vtid, state.status, state.tenant, state.intervalMs, state.lastSeen.toISOString(), state.updatedAt.toISOString()],
  );
  return rows.length === 1;
}

/** Writes the decided state of an agent locked by lockAgent. */
export async function updateAgent(tx: Queryable, state: AgentState): Promise<void> {
  await tx.query(
    `update public.oasis_agents
        set vtid = $2, status = $3, interval_ms = $4, last_seen = $5::timestamptz, updated_at = $6::timestamptz
      where agent = $1`,
    [state.agent, state.vtid, state.status, state.intervalMs, state.lastSeen.toISOString(), state.updatedAt.toISOString()],
  );
}

/** Every agent the caller may see, by name. */
export async function listAgents(db: Queryable): Promise<AgentState[]> {
  const { rows } = await db.query<AgentRow>(`select ${COLUMNS} from public.oasis_agents order by agent`);
  return rows.map(toState);
}

export interface MarkedOffline {
  agent: AgentState;
  previousStatus: AgentStatus;
}

/**
 * Marks every live agent silent for three of its intervals at `now` offline, and returns them. One
 * statement, safe when every gateway instance runs it at once: `skip locked` leaves rows another
 * instance (or a beat) holds, and the status condition is re-checked on the locked row, so each
 * agent turns offline, and gets its event, exactly once. The rule in readable form: coalesce.isOverdue.
 */
export async function markOverdueAgentsOffline(tx: Queryable, now: Date): Promise<MarkedOffline[]> {
  const { rows } = await tx.query<AgentRow & { previous_status: AgentStatus }>(
    `with overdue as (
       select agent, status
         from public.oasis_agents
        where status in ('online', 'idle')
          and last_seen < $1::timestamptz - make_interval(secs => interval_ms::double precision * $2 / 1000)
        for update skip locked
     )
     update public.oasis_agents a
        set status = 'offline', updated_at = $1::timestamptz
       from overdue
      where a.agent = overdue.agent
     returning a.agent, a.vtid, a.status, a.tenant, a.interval_ms, a.last_seen, a.updated_at, overdue.status as previous_status`,
    [now.toISOString(), OFFLINE_AFTER_INTERVALS],
  );
  return rows.map((row) => ({ agent: toState(row), previousStatus: row.previous_status }));
}
