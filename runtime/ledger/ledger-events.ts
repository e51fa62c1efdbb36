import { truncate } from '../core/text.js';
import type { NewEvent } from '../events/new-event.js';
import type { EventStatus } from '../events/schema.js';
import type { LedgerEntry } from './schema.js';
import type { LedgerStatus } from './transitions.js';
import type { ChangedField } from './update-plan.js';

/** The OASIS events that make task lifecycles visible on the feed and in the query API. Pure. */

export const LEDGER_EVENT_SOURCE = 'vtid-ledger';

export type LedgerEventKind = 'vtid.created' | 'vtid.updated' | 'vtid.status_changed';

// The event table has its own status vocabulary; a task's status maps onto it so that feed filters
// like status=success also find completed tasks.
const EVENT_STATUS: Readonly<Record<LedgerStatus, EventStatus>> = {
  pending: 'queued',
  active: 'in_progress',
  blocked: 'info',
  complete: 'success',
  cancelled: 'cancelled',
};

export function eventStatusFor(status: LedgerStatus): EventStatus {
  return EVENT_STATUS[status];
}

// A task's description can be long; its events' titles stay a line in the console.
const LEDGER_EVENT_TITLE_MAX_LENGTH = 200;

function baseEvent(entry: LedgerEntry, actor: string): Pick<NewEvent, 'source' | 'vtid' | 'actor' | 'tenant'> {
  return { source: LEDGER_EVENT_SOURCE, vtid: entry.vtid, actor, tenant: entry.tenant };
}

/** `actor` is who did it (actorName of the caller), never a token. */
export function createdEvent(entry: LedgerEntry, actor: string): NewEvent {
  return {
    ...baseEvent(entry, actor),
    kind: 'vtid.created',
    status: eventStatusFor(entry.status),
    title: truncate(`${entry.taskFamily}/${entry.taskType}: ${entry.description}`, LEDGER_EVENT_TITLE_MAX_LENGTH),
    metadata: {
      oldStatus: null,
      newStatus: entry.status,
      taskFamily: entry.taskFamily,
      taskType: entry.taskType,
      parentVtid: entry.parentVtid,
      assignedTo: entry.assignedTo,
    },
  };
}

/** One event per update: `vtid.status_changed` when the status moved, else `vtid.updated`. */
export function updatedEvent(before: LedgerEntry, after: LedgerEntry, changed: readonly ChangedField[], actor: string): NewEvent {
  const statusChanged = before.status !== after.status;
  return {
    ...baseEvent(after, actor),
    kind: statusChanged ? 'vtid.status_changed' : 'vtid.updated',
    status: statusChanged ? eventStatusFor(after.status) : 'info',
    title: statusChanged ? `${before.status} -> ${after.status}` : `updated ${changed.join(', ')}`,
    metadata: {
      oldStatus: before.status,
      newStatus: after.status,
      changed: [...changed],
      taskFamily: after.taskFamily,
      taskType: after.taskType,
    },
  };
}
