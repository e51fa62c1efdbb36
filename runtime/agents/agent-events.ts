import type { NewEvent } from '../events/new-event.js';
import type { EventStatus } from '../events/schema.js';
import { UNSET_VTID } from '@vitana/vtid';
import type { AgentChange } from './coalesce.js';
import { IDLE } from '@vitana/agent-heartbeat/wire';
import type { AgentStatus } from './state.js';

/** Pure: an agent's change -> the one OASIS event that records it. */

export const AGENT_EVENT_SOURCE = 'agent.heartbeat';

function taskOrUnset(vtid: string | undefined): string {
  return vtid === undefined || vtid === IDLE ? UNSET_VTID : vtid;
}

/**
 * The VTID the event is filed under: the task it concerns. Going idle is filed under the task the
 * agent left, so a VTID's timeline shows an agent both picking it up and letting it go.
 */
function eventVtid(change: AgentChange): string {
  if (change.kind === 'agent.idle') return taskOrUnset(change.previous?.vtid);
  return taskOrUnset(change.agent.vtid);
}

// Working is in progress, an agent lost is a failure the console shows in red, the rest is information.
const EVENT_STATUS: Record<AgentStatus, EventStatus> = { online: 'in_progress', idle: 'info', stopped: 'info', offline: 'failure' };

function title(change: AgentChange): string {
  const { agent, vtid, lastSeen } = change.agent;
  const task = vtid === IDLE ? 'idle' : `on ${vtid}`;
  switch (change.kind) {
    case 'agent.online':
      return change.previous ? `${agent} is back online (${task})` : `${agent} came online (${task})`;
    case 'agent.task_changed':
      return `${agent} started ${vtid}`;
    case 'agent.idle':
      return change.previous && change.previous.vtid !== IDLE ? `${agent} is idle (was on ${change.previous.vtid})` : `${agent} is idle`;
    case 'agent.stopped':
      return `${agent} stopped (${task})`;
    case 'agent.offline':
      return `${agent} is offline: silent since ${lastSeen.toISOString()}`;
  }
}

export function toAgentEvent(change: AgentChange): NewEvent {
  const { agent } = change;
  return {
    ts: change.at.toISOString(),
    vtid: eventVtid(change),
    source: AGENT_EVENT_SOURCE,
    kind: change.kind,
    status: EVENT_STATUS[agent.status],
    title: title(change),
    actor: agent.agent,
    tenant: agent.tenant,
    metadata: {
      agent: agent.agent,
      status: agent.status,
      vtid: agent.vtid,
      previousStatus: change.previous?.status ?? null,
      previousVtid: change.previous?.vtid ?? null,
      intervalMs: agent.intervalMs,
      lastSeen: agent.lastSeen.toISOString(),
    },
  };
}
