/**
 * The agent registry's domain types: pure data, shared by the coalescing decision, the repository and
 * the routes. What the statuses mean is documented in migrations/003_agents.sql and docs/AGENTS.md.
 * The wire vocabulary (IDLE, the statuses, the interval limits) is the heartbeat package's
 * `@vitana/agent-heartbeat/wire`, which the client sends by; IDLE is never stored in oasis_events
 * (events use UNSET).
 */
import type { AgentStatus, BeatStatus } from '@vitana/agent-heartbeat/wire';

export type { AgentStatus, BeatStatus };

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
