/**
 * The heartbeat's wire contract: what the client (this package) and the gateway that receives the
 * beats (runtime/agents in vitana-oasis) must agree on. Both import these values from here, so they
 * cannot drift apart. Plain constants, no code: `@vitana/agent-heartbeat/wire` is safe to import on the
 * server side.
 */

/** Where beats are POSTed, relative to the gateway's base URL. */
export const HEARTBEAT_PATH = '/api/v1/agents/heartbeat';

/** The task a beat names when the agent has none (events store UNSET instead). */
export const IDLE = 'IDLE';

/** The intervals the gateway accepts, in ms; the client refuses others at start. */
export const HEARTBEAT_MIN_INTERVAL_MS = 1_000;
export const HEARTBEAT_MAX_INTERVAL_MS = 3_600_000;
/** What both sides assume when a beat names no interval. */
export const HEARTBEAT_DEFAULT_INTERVAL_MS = 60_000;

/** What an agent may say about itself; `idle` follows from `vtid: IDLE`, `offline` only the gateway decides. */
export const BEAT_STATUSES = ['online', 'stopped'] as const;
export type BeatStatus = (typeof BEAT_STATUSES)[number];

/** What the gateway reports an agent as (a beat's answer, the agents list). */
export const AGENT_STATUSES = ['online', 'idle', 'offline', 'stopped'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];
