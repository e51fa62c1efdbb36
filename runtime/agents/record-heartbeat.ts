import type { Queryable } from '../core/database.js';
import { insertEvent, storedEventId } from '../events/repository.js';
import { toAgentEvent } from './agent-events.js';
import { decideHeartbeat, type HeartbeatDecision } from './coalesce.js';
import { insertAgentIfAbsent, lockAgent, updateAgent } from './repository.js';
import type { AgentState, Beat } from './state.js';

export type RecordOutcome =
  | { outcome: 'recorded'; state: AgentState; eventId: number | null }
  /** The agent name is registered for another tenant; nothing was written. */
  | { outcome: 'tenant_conflict' };

async function apply(tx: Queryable, decision: HeartbeatDecision): Promise<RecordOutcome> {
  const event = decision.change ? await insertEvent(tx, toAgentEvent(decision.change)) : null;
  return { outcome: 'recorded', state: decision.next, eventId: event === null ? null : storedEventId(event) };
}

/**
 * Records one beat inside the caller's transaction (asRole): the row update and its event, if any,
 * commit together. The row is locked first, so beats of one agent arriving at several instances
 * are decided in turn and each change is written once.
 */
export async function recordHeartbeat(tx: Queryable, beat: Beat, now: Date): Promise<RecordOutcome> {
  let previous = await lockAgent(tx, beat.agent);
  if (previous === null) {
    const first = decideHeartbeat(null, beat, now);
    if (await insertAgentIfAbsent(tx, first.next)) return apply(tx, first);
    // Lost a race with another instance's first beat of this agent (now committed and visible), or
    // the name belongs to a tenant this caller cannot see.
    previous = await lockAgent(tx, beat.agent);
    if (previous === null) return { outcome: 'tenant_conflict' };
  }
  if (previous.tenant !== beat.tenant) return { outcome: 'tenant_conflict' };
  const decision = decideHeartbeat(previous, beat, now);
  await updateAgent(tx, decision.next);
  return apply(tx, decision);
}
