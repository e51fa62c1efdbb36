import { describe, expect, it } from 'vitest';
import { toAgentEvent } from '../../runtime/agents/agent-events.js';
import { changeKind, decideHeartbeat, isOverdue, offlineChange, statusOfBeat } from '../../runtime/agents/coalesce.js';
import type { AgentState, AgentStatus, Beat } from '../../runtime/agents/state.js';

const T0 = new Date('2026-03-01T10:00:00.000Z');
const later = (ms: number) => new Date(T0.getTime() + ms);

const state = (over: Partial<AgentState> = {}): AgentState => ({
  agent: 'builder-1',
  vtid: 'IDLE',
  status: 'idle',
  tenant: 'system',
  intervalMs: 60_000,
  lastSeen: T0,
  updatedAt: T0,
  ...over,
});
const beat = (over: Partial<Beat> = {}): Beat => ({ agent: 'builder-1', vtid: 'IDLE', status: 'online', intervalMs: 60_000, tenant: 'system', ...over });

describe('statusOfBeat', () => {
  it.each([
    [{ status: 'online', vtid: 'IDLE' }, 'idle'],
    [{ status: 'online', vtid: 'VTID-2026-0001' }, 'online'],
    [{ status: 'stopped', vtid: 'VTID-2026-0001' }, 'stopped'],
    [{ status: 'stopped', vtid: 'IDLE' }, 'stopped'],
  ] as const)('%j -> %s', (input, expected) => {
    expect(statusOfBeat(input)).toBe(expected);
  });
});

describe('changeKind: every transition', () => {
  const A = 'VTID-2026-0001';
  const B = 'VTID-2026-0002';
  const cases: Array<[{ status: AgentStatus; vtid: string } | null, { status: AgentStatus; vtid: string }, string | null]> = [
    [null, { status: 'idle', vtid: 'IDLE' }, 'agent.online'],
    [null, { status: 'online', vtid: A }, 'agent.online'],
    [null, { status: 'stopped', vtid: 'IDLE' }, 'agent.stopped'],
    [{ status: 'idle', vtid: 'IDLE' }, { status: 'idle', vtid: 'IDLE' }, null],
    [{ status: 'online', vtid: A }, { status: 'online', vtid: A }, null],
    [{ status: 'idle', vtid: 'IDLE' }, { status: 'online', vtid: A }, 'agent.task_changed'],
    [{ status: 'online', vtid: A }, { status: 'online', vtid: B }, 'agent.task_changed'],
    [{ status: 'online', vtid: A }, { status: 'idle', vtid: 'IDLE' }, 'agent.idle'],
    [{ status: 'online', vtid: A }, { status: 'stopped', vtid: A }, 'agent.stopped'],
    [{ status: 'idle', vtid: 'IDLE' }, { status: 'stopped', vtid: 'IDLE' }, 'agent.stopped'],
    [{ status: 'offline', vtid: A }, { status: 'stopped', vtid: A }, 'agent.stopped'],
    [{ status: 'stopped', vtid: A }, { status: 'stopped', vtid: A }, null],
    [{ status: 'stopped', vtid: A }, { status: 'stopped', vtid: B }, null],
    [{ status: 'stopped', vtid: A }, { status: 'idle', vtid: 'IDLE' }, 'agent.online'],
    [{ status: 'offline', vtid: A }, { status: 'online', vtid: A }, 'agent.online'],
    [{ status: 'offline', vtid: 'IDLE' }, { status: 'idle', vtid: 'IDLE' }, 'agent.online'],
    [{ status: 'online', vtid: A }, { status: 'offline', vtid: A }, 'agent.offline'],
  ];
  it.each(cases)('%j -> %j = %s', (previous, next, expected) => {
    expect(changeKind(previous, next)).toBe(expected);
  });
});

describe('decideHeartbeat', () => {
  it('a first beat registers the agent and is a change', () => {
    const decision = decideHeartbeat(null, beat({ vtid: 'VTID-2026-0001' }), T0);
    expect(decision.next).toEqual(state({ vtid: 'VTID-2026-0001', status: 'online' }));
    expect(decision.change).toMatchObject({ kind: 'agent.online', at: T0, previous: null });
  });

  it('a beat that changes nothing only moves lastSeen (updatedAt keeps the last change)', () => {
    const decision = decideHeartbeat(state(), beat(), later(60_000));
    expect(decision.change).toBeNull();
    expect(decision.next).toEqual(state({ lastSeen: later(60_000), updatedAt: T0 }));
  });

  it('a new interval alone is stored but is no event', () => {
    const decision = decideHeartbeat(state(), beat({ intervalMs: 5_000 }), later(1));
    expect(decision.change).toBeNull();
    expect(decision.next.intervalMs).toBe(5_000);
  });

  it('a task switch is a change stamped with now', () => {
    const decision = decideHeartbeat(state({ status: 'online', vtid: 'VTID-2026-0001' }), beat({ vtid: 'VTID-2026-0002' }), later(5));
    expect(decision.next).toMatchObject({ status: 'online', vtid: 'VTID-2026-0002', updatedAt: later(5), lastSeen: later(5) });
    expect(decision.change).toMatchObject({ kind: 'agent.task_changed', previous: { status: 'online', vtid: 'VTID-2026-0001' } });
  });

  it('a repeated stop keeps the task it stopped on', () => {
    const decision = decideHeartbeat(state({ status: 'stopped', vtid: 'VTID-2026-0001' }), beat({ status: 'stopped', vtid: 'IDLE' }), later(5));
    expect(decision.change).toBeNull();
    expect(decision.next.vtid).toBe('VTID-2026-0001');
  });

  it('keeps the registered tenant', () => {
    expect(decideHeartbeat(state({ tenant: 'acme' }), beat({ tenant: 'acme' }), T0).next.tenant).toBe('acme');
  });
});

describe('isOverdue: silent for more than three intervals', () => {
  it.each([
    ['idle, exactly 3 intervals', 'idle', 180_000, false],
    ['idle, 3 intervals + 1 ms', 'idle', 180_001, true],
    ['online, 4 intervals', 'online', 240_000, true],
    ['stopped never', 'stopped', 10_000_000, false],
    ['offline already', 'offline', 10_000_000, false],
  ] as const)('%s', (_name, status, silentMs, expected) => {
    expect(isOverdue(state({ status }), later(silentMs))).toBe(expected);
  });
});

describe('toAgentEvent', () => {
  it('came online, idle: info, no task', () => {
    const { change } = decideHeartbeat(null, beat(), T0);
    expect(toAgentEvent(change!)).toMatchObject({
      ts: T0.toISOString(),
      source: 'agent.heartbeat',
      kind: 'agent.online',
      vtid: 'UNSET',
      status: 'info',
      actor: 'builder-1',
      tenant: 'system',
      title: 'builder-1 came online (idle)',
      metadata: { agent: 'builder-1', status: 'idle', vtid: 'IDLE', previousStatus: null, previousVtid: null, intervalMs: 60_000 },
    });
  });

  it('task switch: in progress, filed under the new task', () => {
    const { change } = decideHeartbeat(state(), beat({ vtid: 'VTID-2026-0007' }), T0);
    expect(toAgentEvent(change!)).toMatchObject({ kind: 'agent.task_changed', vtid: 'VTID-2026-0007', status: 'in_progress', title: 'builder-1 started VTID-2026-0007' });
  });

  it('going idle is filed under the task it left', () => {
    const { change } = decideHeartbeat(state({ status: 'online', vtid: 'VTID-2026-0007' }), beat(), T0);
    expect(toAgentEvent(change!)).toMatchObject({ kind: 'agent.idle', vtid: 'VTID-2026-0007', status: 'info', metadata: { previousVtid: 'VTID-2026-0007' } });
  });

  it('stopped keeps the task it was on', () => {
    const { change } = decideHeartbeat(state({ status: 'online', vtid: 'DEV-CICDL-0031' }), beat({ status: 'stopped', vtid: 'DEV-CICDL-0031' }), T0);
    expect(toAgentEvent(change!)).toMatchObject({ kind: 'agent.stopped', vtid: 'DEV-CICDL-0031', status: 'info' });
  });

  it('offline: a failure naming when it was last seen', () => {
    const agent = state({ status: 'offline', vtid: 'VTID-2026-0003', tenant: 'acme' });
    const event = toAgentEvent(offlineChange(agent, 'online', later(200_000)));
    expect(event).toMatchObject({
      kind: 'agent.offline',
      vtid: 'VTID-2026-0003',
      status: 'failure',
      tenant: 'acme',
      ts: later(200_000).toISOString(),
      title: `builder-1 is offline: silent since ${T0.toISOString()}`,
      metadata: { previousStatus: 'online', lastSeen: T0.toISOString() },
    });
  });
});
