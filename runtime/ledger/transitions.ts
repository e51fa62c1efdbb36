/**
 * The status machine of a ledger task. Pure, no I/O.
 *   pending -> active -> complete        (the main line)
 *   active  -> blocked -> active         (blocked is a detour from and back to active)
 *   pending | active | blocked -> cancelled
 * `complete` and `cancelled` are final.
 */

export const LEDGER_STATUSES = ['pending', 'active', 'blocked', 'complete', 'cancelled'] as const;
export type LedgerStatus = (typeof LEDGER_STATUSES)[number];

const NEXT: Readonly<Record<LedgerStatus, readonly LedgerStatus[]>> = {
  pending: ['active', 'cancelled'],
  active: ['complete', 'blocked', 'cancelled'],
  blocked: ['active', 'cancelled'],
  complete: [],
  cancelled: [],
};

/** Where a task in `from` may move. */
export function allowedTransitions(from: LedgerStatus): readonly LedgerStatus[] {
  return NEXT[from];
}

/** True when `from -> to` is a move the machine allows (staying put is not a move). */
export function canTransition(from: LedgerStatus, to: LedgerStatus): boolean {
  return NEXT[from].includes(to);
}

export function isFinal(status: LedgerStatus): boolean {
  return NEXT[status].length === 0;
}
