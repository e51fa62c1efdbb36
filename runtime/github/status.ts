import type { EventStatus } from '../events/schema.js';

/**
 * The one status table: how a GitHub delivery becomes an OASIS `status`. docs/GITHUB_WEBHOOKS.md shows
 * the same table and a unit test keeps the two in step. Anything the table does not name is `info`.
 */
export const STATUS_TABLE = {
  /** workflow_run, workflow_job, check_run, check_suite: a re-run was asked for, whatever the old result. */
  actionsAction: { rerequested: 'queued' },
  /** The same events while not completed: by the object's `status` (or the action when it has none). */
  actionsStatus: { requested: 'queued', queued: 'queued', waiting: 'queued', pending: 'queued', in_progress: 'in_progress' },
  /**
   * The same events once `status` is `completed`: by `conclusion`. Only a conclusion that says the work
   * ran and broke is `failure`:
   * - `action_required`: nothing has run yet; a run from a fork waits for a maintainer's approval (a
   *   check of another app asks for an action on its details page). `queued`, the reason in `metadata.waiting`.
   * - `stale`: GitHub gave up on a check left incomplete for 14 days; it ended without a result, like `cancelled`.
   * - `skipped` (a false `if:`; GitHub counts it as passing) and `neutral` (done, no verdict): `info`.
   */
  actionsConclusion: {
    success: 'success',
    failure: 'failure',
    timed_out: 'failure',
    startup_failure: 'failure',
    action_required: 'queued',
    cancelled: 'cancelled',
    stale: 'cancelled',
    skipped: 'info',
    neutral: 'info',
  },
  /** pull_request, by action; `closed` splits on `pull_request.merged`. */
  pullRequestAction: {
    opened: 'in_progress',
    synchronize: 'in_progress',
    reopened: 'in_progress',
    'closed (merged)': 'success',
    'closed (not merged)': 'cancelled',
  },
  /** deployment_status, by `deployment_status.state`. */
  deploymentState: {
    pending: 'queued',
    queued: 'queued',
    waiting: 'queued',
    in_progress: 'in_progress',
    success: 'success',
    failure: 'failure',
    error: 'failure',
    inactive: 'info',
  },
  /** release, by action. */
  releaseAction: { published: 'success', released: 'success', prereleased: 'success' },
  /** Events with one status whatever the action. */
  event: { push: 'success', 'push (branch or tag deleted)': 'info', deployment: 'queued', ping: 'info' },
} as const satisfies Record<string, Record<string, EventStatus>>;

export const DEFAULT_STATUS: EventStatus = 'info';

/**
 * What a `queued` Actions event is waiting for (`metadata.waiting`), by the conclusion that made it
 * queued. Checks of another GitHub App than Actions wait for an `action` their app asks for instead.
 */
export const WAITING_TABLE = {
  actionsConclusion: { action_required: 'approval' },
  otherAppConclusion: { action_required: 'action' },
} as const satisfies Record<string, Record<string, string>>;

/** The Actions app's slug: its check runs and suites are workflow runs and jobs. */
export const ACTIONS_APP = 'github-actions';

function lookup<T extends string>(table: Record<string, T>, key: string | null): T | undefined {
  return key !== null && Object.hasOwn(table, key) ? table[key] : undefined;
}

/** workflow_run, workflow_job, check_run, check_suite. */
export function actionsStatus(action: string | null, status: string | null, conclusion: string | null): EventStatus {
  const rerun = lookup(STATUS_TABLE.actionsAction, action);
  if (rerun) return rerun;
  if (completed(action, status)) return lookup(STATUS_TABLE.actionsConclusion, conclusion) ?? DEFAULT_STATUS;
  return lookup(STATUS_TABLE.actionsStatus, status ?? action) ?? DEFAULT_STATUS;
}

function completed(action: string | null, status: string | null): boolean {
  return (status ?? action) === 'completed';
}

/**
 * `metadata.waiting` of an Actions event: why a completed run is `queued` (null when it is not waiting).
 * `app` is the check's app slug; workflow runs and jobs pass ACTIONS_APP.
 */
export function actionsWaiting(action: string | null, status: string | null, conclusion: string | null, app: string | null): string | null {
  if (lookup(STATUS_TABLE.actionsAction, action) || !completed(action, status)) return null;
  const table: Record<string, string> = app === null || app === ACTIONS_APP ? WAITING_TABLE.actionsConclusion : WAITING_TABLE.otherAppConclusion;
  return lookup(table, conclusion) ?? null;
}

export function pullRequestStatus(action: string | null, merged: boolean | null): EventStatus {
  const key = action === 'closed' ? (merged === true ? 'closed (merged)' : 'closed (not merged)') : action;
  return lookup(STATUS_TABLE.pullRequestAction, key) ?? DEFAULT_STATUS;
}

export function deploymentStateStatus(state: string | null): EventStatus {
  return lookup(STATUS_TABLE.deploymentState, state) ?? DEFAULT_STATUS;
}

export function releaseStatus(action: string | null): EventStatus {
  return lookup(STATUS_TABLE.releaseAction, action) ?? DEFAULT_STATUS;
}

export function pushStatus(deleted: boolean | null): EventStatus {
  return deleted === true ? STATUS_TABLE.event['push (branch or tag deleted)'] : STATUS_TABLE.event.push;
}
