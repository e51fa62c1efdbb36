/**
 * The agent registry's domain types: pure data, shared by the coalescing decision, the repository and
 * the routes. What the statuses mean is documented in migrations/003_agents.sql and docs/AGENTS.md.
 */

/** What a beat says when the agent has no task. Never stored in oasis_events (events use UNSET). */
export const IDLE = 'IDLE';

export const AGENT_STATUSES = ['online', 'idle', 'offline', 'stopped'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

/** What an agent may say about itself; `idle` follows from `vtid: IDLE`, `offline` only the gateway decides. */
export const BEAT_STATUSES = ['online', 'stopped'] as const;
export type BeatStatus = (typeof BEAT_STATUSES)[number];

/** An agent silent for this many of its own intervals is reported offline. */
export const OFFLINE_AFTER_INTERVALS = 3;

/** One row of oasis_agents. */
export interface AgentState {
  agent: string;
  /** A VTID, or IDLE. */
  vtid: string;
  status: AgentStatus;
  tenant: string;
  intervalMs: number;
  lastSeen: Date;
  /** When status or vtid last changed. */
  updatedAt: Date;
}

/** One validated heartbeat, with the tenant it is for. */
export interface Beat {
  agent: string;
  /** A VTID, or IDLE. */
  vtid: string;
  status: BeatStatus;
  intervalMs: number;
  tenant: string;
}
