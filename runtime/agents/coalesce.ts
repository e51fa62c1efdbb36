import { IDLE } from '@vitana/agent-heartbeat/wire';
import { OFFLINE_AFTER_INTERVALS, type AgentState, type AgentStatus, type Beat } from './state.js';

/**
 * The coalescing rules, pure: given the stored state of an agent and a beat (or the clock, for the
 * offline detector), what the new state is and whether that is a change worth one OASIS event.
 * Beats that change neither status nor task only move lastSeen, so an idle agent is silent in the
 * event stream however often it beats.
 */

export type AgentChangeKind = 'agent.online' | 'agent.task_changed' | 'agent.idle' | 'agent.stopped' | 'agent.offline';

export interface AgentChange {
  kind: AgentChangeKind;
  at: Date;
  /** The state after the change. */
  agent: AgentState;
  /** The state before it; null for an agent seen for the first time. */
  previous: { status: AgentStatus; vtid: string } | null;
}

export interface HeartbeatDecision {
  next: AgentState;
  change: AgentChange | null;
}

/** The status a beat puts the agent in. */
export function statusOfBeat(beat: Pick<Beat, 'status' | 'vtid'>): AgentStatus {
  if (beat.status === 'stopped') return 'stopped';
  return beat.vtid === IDLE ? 'idle' : 'online';
}

/** Which event a move from `previous` to `next` is, or null when nothing an observer cares about changed. */
export function changeKind(previous: { status: AgentStatus; vtid: string } | null, next: { status: AgentStatus; vtid: string }): AgentChangeKind | null {
  if (previous === null) return next.status === 'stopped' ? 'agent.stopped' : 'agent.online';
  if (previous.status === next.status && previous.vtid === next.vtid) return null;
  if (next.status === 'stopped') return previous.status === 'stopped' ? null : 'agent.stopped';
  if (next.status === 'offline') return 'agent.offline';
  // next is online or idle from here on.
  if (previous.status === 'offline' || previous.status === 'stopped') return 'agent.online';
  if (next.status === 'idle') return 'agent.idle';
  return 'agent.task_changed';
}

/**
 * The state after `beat` and the change it makes. The caller guarantees `previous` (when given) is the
 * same agent and tenant as the beat. The interval is always refreshed (it is what the offline
 * threshold is measured in) but a new interval alone is not an event.
 */
export function decideHeartbeat(previous: AgentState | null, beat: Beat, now: Date): HeartbeatDecision {
  const status = statusOfBeat(beat);
  // A repeated stop (the client retrying its final beat) changes nothing, not even the task shown.
  const vtid = previous?.status === 'stopped' && status === 'stopped' ? previous.vtid : beat.vtid;
  const kind = changeKind(previous, { status, vtid });
  const next: AgentState = {
    agent: beat.agent,
    vtid,
    status,
    tenant: previous?.tenant ?? beat.tenant,
    intervalMs: beat.intervalMs,
    lastSeen: now,
    updatedAt: kind === null && previous ? previous.updatedAt : now,
  };
  const change = kind === null ? null : { kind, at: now, agent: next, previous: previous ? { status: previous.status, vtid: previous.vtid } : null };
  return { next, change };
}

/**
 * True when a live agent has been silent for three of its intervals at `now`. The offline detector's
 * SQL applies the same rule (so every instance agrees in one statement); this is its readable form.
 */
export function isOverdue(state: Pick<AgentState, 'status' | 'lastSeen' | 'intervalMs'>, now: Date): boolean {
  if (state.status !== 'online' && state.status !== 'idle') return false;
  return now.getTime() - state.lastSeen.getTime() > OFFLINE_AFTER_INTERVALS * state.intervalMs;
}

/** The change the offline detector records for an agent it just marked offline. */
export function offlineChange(agent: AgentState, previousStatus: AgentStatus, now: Date): AgentChange {
  return { kind: 'agent.offline', at: now, agent, previous: { status: previousStatus, vtid: agent.vtid } };
}
