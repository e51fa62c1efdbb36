import { isDeepStrictEqual } from 'node:util';
import type { LedgerEntry, PatchVtidBody } from './schema.js';
import { allowedTransitions, canTransition, type LedgerStatus } from './transitions.js';

/** What a PATCH does to a ledger entry, decided from plain data. Pure, no I/O. */

export type ChangedField = 'status' | 'assignedTo' | 'description' | 'metadata';

/** The fields a PATCH may write. */
export interface LedgerEditable {
  status: LedgerStatus;
  assignedTo: string | null;
  description: string;
  metadata: Record<string, unknown>;
}

export type UpdatePlan =
  /** The requested status is not reachable from the current one. */
  | { outcome: 'refused'; current: LedgerStatus; requested: LedgerStatus; allowed: readonly LedgerStatus[] }
  /** Every given value equals the stored one: nothing to write, no event (retries are harmless). */
  | { outcome: 'unchanged' }
  | { outcome: 'change'; next: LedgerEditable; changed: ChangedField[] };

/**
 * Metadata is merged at the top level: keys in the patch replace the stored ones (a `null` value is
 * stored as null), keys not in the patch are kept.
 */
export function mergeMetadata(stored: Record<string, unknown>, patch: Record<string, unknown> | undefined): Record<string, unknown> {
  return patch === undefined ? stored : { ...stored, ...patch };
}

export function planUpdate(current: LedgerEntry, patch: PatchVtidBody): UpdatePlan {
  // Asking for the status the task already has is not a move, so it is not refused.
  if (patch.status !== undefined && patch.status !== current.status && !canTransition(current.status, patch.status)) {
    return { outcome: 'refused', current: current.status, requested: patch.status, allowed: allowedTransitions(current.status) };
  }
  const next: LedgerEditable = {
    status: patch.status ?? current.status,
    assignedTo: patch.assignedTo === undefined ? current.assignedTo : patch.assignedTo,
    description: patch.description ?? current.description,
    metadata: mergeMetadata(current.metadata, patch.metadata),
  };
  const changed = (['status', 'assignedTo', 'description', 'metadata'] as const).filter(
    (field) => !isDeepStrictEqual(next[field], current[field]),
  );
  return changed.length === 0 ? { outcome: 'unchanged' } : { outcome: 'change', next, changed };
}
