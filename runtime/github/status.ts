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
  /** The same events once `status` is `completed`: by `conclusion`. */
  actionsConclusion: {
    success: 'success',
    failure: 'failure',
    timed_out: 'failure',
    startup_failure: 'failure',
    action_required: 'failure',
    cancelled: 'cancelled',
    skipped: 'info',
    neutral: 'info',
    stale: 'info',
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

type Table = Record<string, EventStatus>;

function lookup(table: Table, key: string | null): EventStatus | undefined {
  return key !== null && Object.hasOwn(table, key) ? table[key] : undefined;
}

/** workflow_run, workflow_job, check_run, check_suite. */
export function actionsStatus(action: string | null, status: string | null, conclusion: string | null): EventStatus {
  const rerun = lookup(STATUS_TABLE.actionsAction, action);
  if (rerun) return rerun;
  const state = status ?? action;
  if (state === 'completed') return lookup(STATUS_TABLE.actionsConclusion, conclusion) ?? DEFAULT_STATUS;
  return lookup(STATUS_TABLE.actionsStatus, state) ?? DEFAULT_STATUS;
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
