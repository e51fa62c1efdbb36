/**
 * When a GitHub event's step really happened, from the times inside its payload (the repository reads
 * only these fields, never the whole payload). Pure.
 *
 * Why not the row's `ts`: a webhook row is stamped when it arrives, and GitHub does not promise order,
 * so a run's `completed` can arrive before its `in_progress`. The payload's own times (GitHub's clock)
 * are the same whatever the arrival order and however often a delivery is repeated.
 */

/** The payload fields the repository extracts (all text as stored; any may be missing or malformed). */
export interface PayloadTimes {
  runCreatedAt?: string;
  runStartedAt?: string;
  runUpdatedAt?: string;
  jobCreatedAt?: string;
  jobStartedAt?: string;
  jobCompletedAt?: string;
  checkStartedAt?: string;
  checkCompletedAt?: string;
  prCreatedAt?: string;
  prMergedAt?: string;
  prClosedAt?: string;
  prNumber?: string;
  reviewSubmittedAt?: string;
  reviewState?: string;
  deploymentStatusAt?: string;
  deploymentCreatedAt?: string;
  commitTimes?: unknown[];
}

/** Milliseconds since the epoch, or null for anything that is not a parseable timestamp. */
export function parseTime(value: unknown): number | null {
  if (typeof value !== 'string' || value === '') return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}

/** The earliest commit of a push (GitHub lists at most 20), or null. */
export function earliestCommit(times: PayloadTimes): number | null {
  let earliest: number | null = null;
  for (const value of times.commitTimes ?? []) {
    const ms = parseTime(value);
    if (ms !== null && (earliest === null || ms < earliest)) earliest = ms;
  }
  return earliest;
}

/** The first parseable time of `candidates`, else `fallback` (the row's ts). */
export function firstTime(fallback: number, ...candidates: Array<string | undefined>): number {
  for (const candidate of candidates) {
    const ms = parseTime(candidate);
    if (ms !== null) return ms;
  }
  return fallback;
}
