import type { NewLedgerEntry } from './ledger-repository.js';
import type { CreateVtidBody } from './schema.js';
import { type Caller, tenantFor } from '../core/caller.js';

/**
 * Pure: a validated create body -> the task to register. The tenant defaults to the caller's (service
 * callers: `system`); whether the caller may create for it is decided by the row-level-security
 * policy, not here. `now` comes from the gateway's clock: its UTC year is the VTID's year.
 */
export function toNewLedgerEntry(body: CreateVtidBody, caller: Caller, now: Date): NewLedgerEntry {
  return {
    taskFamily: body.taskFamily,
    taskType: body.taskType,
    description: body.description,
    tenant: tenantFor(caller, body.tenant),
    parentVtid: body.parentVtid ?? null,
    assignedTo: body.assignedTo ?? null,
    metadata: body.metadata ?? {},
    createdAt: now.toISOString(),
  };
}
