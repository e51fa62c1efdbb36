import { describe, expect, it } from 'vitest';
import { createdEvent, eventStatusFor, updatedEvent } from '../../runtime/ledger/ledger-events.js';
import { toNewLedgerEntry } from '../../runtime/ledger/new-entry.js';
import type { LedgerEntry } from '../../runtime/ledger/schema.js';
import { allowedTransitions, canTransition, isFinal, LEDGER_STATUSES, type LedgerStatus } from '../../runtime/ledger/transitions.js';
import { mergeMetadata, planUpdate } from '../../runtime/ledger/update-plan.js';
import type { Caller } from '../../runtime/core/caller.js';
import { ALLOWED_MOVES } from './ledger.helpers.js';

const isAllowed = (from: LedgerStatus, to: LedgerStatus) => ALLOWED_MOVES.some(([f, t]) => f === from && t === to);
const REFUSED = LEDGER_STATUSES.flatMap((from) => LEDGER_STATUSES.filter((to) => to !== from && !isAllowed(from, to)).map((to) => [from, to] as [LedgerStatus, LedgerStatus]));

function entry(overrides: Partial<LedgerEntry> = {}): LedgerEntry {
  return {
    id: 1,
    vtid: 'VTID-2026-0001',
    taskFamily: 'deploy',
    taskType: 'cloud-run',
    description: 'Deploy the gateway',
    status: 'pending',
    assignedTo: null,
    tenant: 'acme',
    parentVtid: null,
    metadata: { a: 1, nested: { x: 1, y: 2 } },
    createdAt: '2026-03-01T10:00:00.000Z',
    updatedAt: '2026-03-01T10:00:00.000Z',
    ...overrides,
  };
}

describe('status machine', () => {
  it.each(ALLOWED_MOVES)('%s -> %s is allowed', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
    expect(planUpdate(entry({ status: from }), { status: to })).toMatchObject({ outcome: 'change', next: { status: to }, changed: ['status'] });
  });

  it.each(REFUSED)('%s -> %s is refused', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
    expect(planUpdate(entry({ status: from }), { status: to })).toEqual({
      outcome: 'refused',
      current: from,
      requested: to,
      allowed: allowedTransitions(from),
    });
  });

  it('covers every ordered pair of distinct statuses exactly once', () => {
    expect(ALLOWED_MOVES.length + REFUSED.length).toBe(LEDGER_STATUSES.length * (LEDGER_STATUSES.length - 1));
  });

  it('complete and cancelled are final; the others are not', () => {
    expect(LEDGER_STATUSES.filter(isFinal)).toEqual(['complete', 'cancelled']);
  });

  it.each(LEDGER_STATUSES)('asking for the current status (%s) is not a move: unchanged, not refused', (status) => {
    expect(canTransition(status, status)).toBe(false);
    expect(planUpdate(entry({ status }), { status })).toEqual({ outcome: 'unchanged' });
  });
});

describe('planUpdate', () => {
  it('merges metadata at the top level, keeping keys the patch does not name', () => {
    const plan = planUpdate(entry(), { metadata: { b: 2, nested: { z: 3 }, a: null } });
    expect(plan).toEqual({
      outcome: 'change',
      next: { status: 'pending', assignedTo: null, description: 'Deploy the gateway', metadata: { a: null, nested: { z: 3 }, b: 2 } },
      changed: ['metadata'],
    });
  });

  it('treats a patch whose values are already stored as unchanged, whatever the key order', () => {
    expect(planUpdate(entry(), { metadata: { nested: { y: 2, x: 1 } }, description: 'Deploy the gateway' })).toEqual({ outcome: 'unchanged' });
    expect(planUpdate(entry({ assignedTo: 'bot' }), { assignedTo: 'bot' })).toEqual({ outcome: 'unchanged' });
  });

  it('lists every changed field, and null unassigns', () => {
    const plan = planUpdate(entry({ status: 'active', assignedTo: 'bot' }), { status: 'blocked', assignedTo: null, description: 'waiting' });
    expect(plan).toMatchObject({ outcome: 'change', changed: ['status', 'assignedTo', 'description'], next: { assignedTo: null } });
  });

  it('edits a final task without moving its status', () => {
    expect(planUpdate(entry({ status: 'complete' }), { metadata: { url: 'https://x' } })).toMatchObject({ outcome: 'change', changed: ['metadata'] });
  });

  it('refuses before looking at the other fields', () => {
    expect(planUpdate(entry({ status: 'complete' }), { status: 'active', description: 'again' })).toMatchObject({ outcome: 'refused', current: 'complete' });
  });

  it('mergeMetadata without a patch returns the stored object', () => {
    const stored = { k: 'v' };
    expect(mergeMetadata(stored, undefined)).toBe(stored);
  });
});

describe('ledger events', () => {
  it('maps task statuses onto event statuses', () => {
    expect(LEDGER_STATUSES.map(eventStatusFor)).toEqual(['queued', 'in_progress', 'info', 'success', 'cancelled']);
  });

  it('vtid.created carries the vtid, tenant, actor and the new status', () => {
    const created = entry({ parentVtid: 'VTID-2025-0009', assignedTo: 'bot' });
    expect(createdEvent(created, 'alice@example.com')).toEqual({
      source: 'vtid-ledger',
      kind: 'vtid.created',
      vtid: 'VTID-2026-0001',
      tenant: 'acme',
      actor: 'alice@example.com',
      status: 'queued',
      title: 'deploy/cloud-run: Deploy the gateway',
      metadata: { oldStatus: null, newStatus: 'pending', taskFamily: 'deploy', taskType: 'cloud-run', parentVtid: 'VTID-2025-0009', assignedTo: 'bot' },
    });
  });

  it('clips long titles', () => {
    const title = createdEvent(entry({ description: 'x'.repeat(1000) }), 'a').title!;
    expect(title.length).toBe(200);
    expect(title.endsWith('…')).toBe(true);
  });

  it('a status move is vtid.status_changed with old and new status', () => {
    const event = updatedEvent(entry({ status: 'active' }), entry({ status: 'complete' }), ['status'], 'bot');
    expect(event).toMatchObject({
      kind: 'vtid.status_changed',
      status: 'success',
      title: 'active -> complete',
      metadata: { oldStatus: 'active', newStatus: 'complete', changed: ['status'] },
    });
  });

  it('any other change is vtid.updated', () => {
    const event = updatedEvent(entry({ status: 'active' }), entry({ status: 'active', description: 'new' }), ['description'], 'bot');
    expect(event).toMatchObject({ kind: 'vtid.updated', status: 'info', metadata: { oldStatus: 'active', newStatus: 'active', changed: ['description'] } });
  });
});

describe('toNewLedgerEntry', () => {
  const body = { taskFamily: 'f', taskType: 't', description: 'd' };
  const now = new Date('2026-12-31T23:59:59.999Z');
  const user = (tenant: string | null): Caller => ({ kind: 'user', role: 'authenticated', subject: 'u', tenant, isAdmin: false, claims: {} });
  const service: Caller = { kind: 'service', role: 'service_role', subject: 's', claims: {} };

  it("defaults the tenant to the caller's, service callers to system", () => {
    expect(toNewLedgerEntry(body, user('acme'), now).tenant).toBe('acme');
    expect(toNewLedgerEntry(body, service, now).tenant).toBe('system');
    expect(toNewLedgerEntry({ ...body, tenant: 'other' }, user('acme'), now).tenant).toBe('other');
  });

  it('takes createdAt from the clock and fills the optional fields', () => {
    expect(toNewLedgerEntry(body, service, now)).toEqual({
      ...body,
      tenant: 'system',
      parentVtid: null,
      assignedTo: null,
      metadata: {},
      createdAt: '2026-12-31T23:59:59.999Z',
    });
  });
});
