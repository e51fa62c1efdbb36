import type { EventStatus } from '../events/schema.js';
import {
  asArray,
  asBoolean,
  at,
  firstLine,
  numberAt,
  objectAt,
  shortRef,
  stringAt,
} from './payload.js';
import type { JsonObject } from '../core/object.js';
import { ACTIONS_APP, actionsStatus, actionsWaiting, deploymentStateStatus, pullRequestStatus, pushStatus, releaseStatus, STATUS_TABLE } from './status.js';

/**
 * One describer per GitHub event we normalize: payload -> the event-specific fields. Pure; every field
 * is read defensively (payload.ts), so a payload missing anything still yields a description.
 */

export const ACTIONS_SOURCE = 'github.actions';
export const REPOSITORY_SOURCE = 'github';

export interface Description {
  status: EventStatus;
  title: string | null;
  ref: string | null;
  sha: string | null;
  url: string | null;
  /** The actor when it is not `sender.login` (push falls back to the pusher). */
  actor?: string | null;
  /** Texts that may carry the VTID, in priority order: PR/run title, then branch, then commit messages. */
  vtidSources: Array<string | null>;
  /** Event-specific ids and facts for `metadata` (nulls are dropped later). */
  metadata: Record<string, unknown>;
}

export type Describer = (payload: JsonObject, action: string | null) => Description;

function pullRequestNumbers(value: unknown): number[] | null {
  const numbers = asArray(value)
    .map((pr) => numberAt(pr, 'number'))
    .filter((n): n is number => n !== null);
  return numbers.length ? numbers : null;
}

const workflowRun: Describer = (payload, action) => {
  const run = objectAt(payload, 'workflow_run');
  const status = stringAt(run, 'status');
  const conclusion = stringAt(run, 'conclusion');
  return {
    status: actionsStatus(action, status, conclusion),
    // display_title is the run name the Actions list shows (run-name:, else the PR title or commit line).
    title: stringAt(run, 'display_title') ?? stringAt(run, 'name'),
    ref: shortRef(stringAt(run, 'head_branch')),
    sha: stringAt(run, 'head_sha'),
    url: stringAt(run, 'html_url'),
    vtidSources: [stringAt(run, 'display_title'), stringAt(run, 'head_branch'), stringAt(run, 'head_commit', 'message')],
    metadata: {
      runId: numberAt(run, 'id'),
      runNumber: numberAt(run, 'run_number'),
      runAttempt: numberAt(run, 'run_attempt'),
      workflowId: numberAt(run, 'workflow_id'),
      workflowName: stringAt(run, 'name') ?? stringAt(payload, 'workflow', 'name'),
      githubStatus: status,
      conclusion,
      waiting: actionsWaiting(action, status, conclusion, ACTIONS_APP),
      trigger: stringAt(run, 'event'),
      checkSuiteId: numberAt(run, 'check_suite_id'),
      pullRequests: pullRequestNumbers(at(run, 'pull_requests')),
    },
  };
};

const workflowJob: Describer = (payload, action) => {
  const job = objectAt(payload, 'workflow_job');
  const status = stringAt(job, 'status');
  const conclusion = stringAt(job, 'conclusion');
  const name = stringAt(job, 'name');
  const workflowName = stringAt(job, 'workflow_name');
  return {
    status: actionsStatus(action, status, conclusion),
    title: workflowName && name ? `${workflowName} / ${name}` : name,
    ref: shortRef(stringAt(job, 'head_branch')),
    sha: stringAt(job, 'head_sha'),
    url: stringAt(job, 'html_url'),
    // A job carries no title or commit message of its own; its branch is all there is.
    vtidSources: [stringAt(job, 'head_branch')],
    metadata: {
      jobId: numberAt(job, 'id'),
      runId: numberAt(job, 'run_id'),
      runAttempt: numberAt(job, 'run_attempt'),
      workflowName,
      jobName: name,
      githubStatus: status,
      conclusion,
      waiting: actionsWaiting(action, status, conclusion, ACTIONS_APP),
      runnerName: stringAt(job, 'runner_name'),
    },
  };
};

const checkRun: Describer = (payload, action) => {
  const run = objectAt(payload, 'check_run');
  const status = stringAt(run, 'status');
  const conclusion = stringAt(run, 'conclusion');
  return {
    status: actionsStatus(action, status, conclusion),
    title: stringAt(run, 'name'),
    ref: shortRef(stringAt(run, 'check_suite', 'head_branch')),
    sha: stringAt(run, 'head_sha'),
    url: stringAt(run, 'html_url') ?? stringAt(run, 'details_url'),
    vtidSources: [stringAt(run, 'check_suite', 'head_branch')],
    metadata: {
      checkRunId: numberAt(run, 'id'),
      checkSuiteId: numberAt(run, 'check_suite', 'id'),
      githubStatus: status,
      conclusion,
      waiting: actionsWaiting(action, status, conclusion, stringAt(run, 'app', 'slug')),
      app: stringAt(run, 'app', 'slug'),
      requestedAction: stringAt(payload, 'requested_action', 'identifier'),
      pullRequests: pullRequestNumbers(at(run, 'pull_requests')),
    },
  };
};

const checkSuite: Describer = (payload, action) => {
  const suite = objectAt(payload, 'check_suite');
  const status = stringAt(suite, 'status');
  const conclusion = stringAt(suite, 'conclusion');
  const sha = stringAt(suite, 'head_sha');
  const id = numberAt(suite, 'id');
  const repoUrl = stringAt(payload, 'repository', 'html_url');
  const message = stringAt(suite, 'head_commit', 'message');
  return {
    status: actionsStatus(action, status, conclusion),
    title: firstLine(message),
    ref: shortRef(stringAt(suite, 'head_branch')),
    sha,
    // A check suite has no html_url; the commit's checks page is where GitHub shows it.
    url: repoUrl && sha ? `${repoUrl}/commit/${sha}/checks${id !== null ? `?check_suite_id=${id}` : ''}` : null,
    vtidSources: [stringAt(suite, 'head_branch'), message],
    metadata: {
      checkSuiteId: id,
      githubStatus: status,
      conclusion,
      waiting: actionsWaiting(action, status, conclusion, stringAt(suite, 'app', 'slug')),
      app: stringAt(suite, 'app', 'slug'),
      pullRequests: pullRequestNumbers(at(suite, 'pull_requests')),
    },
  };
};

const pullRequest: Describer = (payload, action) => {
  const pr = objectAt(payload, 'pull_request');
  const merged = asBoolean(at(pr, 'merged'));
  return {
    status: pullRequestStatus(action, merged),
    title: stringAt(pr, 'title'),
    ref: shortRef(stringAt(pr, 'head', 'ref')),
    sha: stringAt(pr, 'head', 'sha'),
    url: stringAt(pr, 'html_url'),
    vtidSources: [stringAt(pr, 'title'), stringAt(pr, 'head', 'ref')],
    metadata: {
      number: numberAt(pr, 'number') ?? numberAt(payload, 'number'),
      merged,
      mergeCommitSha: merged === true ? stringAt(pr, 'merge_commit_sha') : null,
      baseRef: stringAt(pr, 'base', 'ref'),
      draft: asBoolean(at(pr, 'draft')),
    },
  };
};

const push: Describer = (payload) => {
  const ref = stringAt(payload, 'ref');
  const deleted = asBoolean(at(payload, 'deleted'));
  const commits = asArray(at(payload, 'commits'));
  const headMessage = stringAt(payload, 'head_commit', 'message');
  // The newest commit speaks for the push; older ones are fallbacks, newest first.
  const olderMessages = commits
    .map((commit) => stringAt(commit, 'message'))
    .reverse()
    .filter((message) => message !== headMessage);
  return {
    status: pushStatus(deleted),
    title: deleted === true ? `Deleted ${shortRef(ref) ?? 'ref'}` : (firstLine(headMessage) ?? `Push to ${shortRef(ref) ?? 'unknown ref'}`),
    ref: shortRef(ref),
    // After a deletion `after` is forty zeros, not a commit.
    sha: deleted === true ? null : stringAt(payload, 'after'),
    url: stringAt(payload, 'compare') ?? stringAt(payload, 'head_commit', 'url'),
    actor: stringAt(payload, 'sender', 'login') ?? stringAt(payload, 'pusher', 'name'),
    vtidSources: [shortRef(ref), headMessage, ...olderMessages],
    metadata: {
      before: stringAt(payload, 'before'),
      after: stringAt(payload, 'after'),
      created: asBoolean(at(payload, 'created')),
      deleted,
      forced: asBoolean(at(payload, 'forced')),
      commitCount: commits.length,
      baseRef: stringAt(payload, 'base_ref'),
    },
  };
};

function deploymentFields(payload: JsonObject): { ref: string | null; sha: string | null; environment: string | null } {
  return {
    ref: shortRef(stringAt(payload, 'deployment', 'ref')),
    sha: stringAt(payload, 'deployment', 'sha'),
    environment: stringAt(payload, 'deployment', 'environment'),
  };
}

const deployment: Describer = (payload) => {
  const { ref, sha, environment } = deploymentFields(payload);
  const description = stringAt(payload, 'deployment', 'description');
  return {
    status: STATUS_TABLE.event.deployment,
    title: `Deployment to ${environment ?? 'unknown environment'}${description ? `: ${description}` : ''}`,
    ref,
    sha,
    url: stringAt(payload, 'workflow_run', 'html_url'),
    vtidSources: [stringAt(payload, 'workflow_run', 'display_title'), stringAt(payload, 'deployment', 'ref'), description],
    metadata: {
      deploymentId: numberAt(payload, 'deployment', 'id'),
      environment,
      task: stringAt(payload, 'deployment', 'task'),
      runId: numberAt(payload, 'workflow_run', 'id'),
    },
  };
};

const deploymentStatus: Describer = (payload) => {
  const { ref, sha, environment } = deploymentFields(payload);
  const state = stringAt(payload, 'deployment_status', 'state');
  const description = stringAt(payload, 'deployment_status', 'description');
  return {
    status: deploymentStateStatus(state),
    title: `Deployment to ${environment ?? 'unknown environment'}: ${state ?? 'unknown state'}${description ? ` (${description})` : ''}`,
    ref,
    sha,
    url:
      stringAt(payload, 'deployment_status', 'log_url') ??
      stringAt(payload, 'deployment_status', 'target_url') ??
      stringAt(payload, 'deployment_status', 'environment_url') ??
      stringAt(payload, 'workflow_run', 'html_url'),
    vtidSources: [
      stringAt(payload, 'workflow_run', 'display_title'),
      stringAt(payload, 'deployment', 'ref'),
      description,
      stringAt(payload, 'deployment', 'description'),
    ],
    metadata: {
      deploymentId: numberAt(payload, 'deployment', 'id'),
      deploymentStatusId: numberAt(payload, 'deployment_status', 'id'),
      environment,
      state,
      environmentUrl: stringAt(payload, 'deployment_status', 'environment_url'),
      runId: numberAt(payload, 'workflow_run', 'id'),
    },
  };
};

const release: Describer = (payload, action) => {
  const tag = stringAt(payload, 'release', 'tag_name');
  return {
    status: releaseStatus(action),
    title: stringAt(payload, 'release', 'name') ?? tag,
    ref: tag ? `refs/tags/${tag}` : null,
    sha: null,
    url: stringAt(payload, 'release', 'html_url'),
    vtidSources: [stringAt(payload, 'release', 'name'), tag, stringAt(payload, 'release', 'target_commitish')],
    metadata: {
      releaseId: numberAt(payload, 'release', 'id'),
      tagName: tag,
      targetCommitish: stringAt(payload, 'release', 'target_commitish'),
      draft: asBoolean(at(payload, 'release', 'draft')),
      prerelease: asBoolean(at(payload, 'release', 'prerelease')),
    },
  };
};

const ping: Describer = (payload) => {
  const hookId = numberAt(payload, 'hook_id') ?? numberAt(payload, 'hook', 'id');
  return {
    status: STATUS_TABLE.event.ping,
    title: `Webhook connected${hookId !== null ? ` (hook ${hookId})` : ''}`,
    ref: null,
    sha: null,
    url: null,
    vtidSources: [],
    metadata: {
      zen: stringAt(payload, 'zen'),
      hookType: stringAt(payload, 'hook', 'type'),
      hookEvents: asArray(at(payload, 'hook', 'events')).filter((e): e is string => typeof e === 'string'),
    },
  };
};

/** Events we do not normalize specially: stored as they are, with what every payload tends to have. */
export function describeOther(event: string): Describer {
  return (payload, action) => {
    const subjectTitle = stringAt(payload, 'pull_request', 'title') ?? stringAt(payload, 'issue', 'title');
    return {
      status: 'info',
      title: `${event}${action ? ` ${action}` : ''}${subjectTitle ? `: ${subjectTitle}` : ''}`,
      ref: shortRef(stringAt(payload, 'ref')),
      sha: null,
      url:
        stringAt(payload, 'comment', 'html_url') ??
        stringAt(payload, 'pull_request', 'html_url') ??
        stringAt(payload, 'issue', 'html_url') ??
        stringAt(payload, 'repository', 'html_url'),
      vtidSources: [stringAt(payload, 'pull_request', 'title'), stringAt(payload, 'issue', 'title'), shortRef(stringAt(payload, 'ref'))],
      metadata: {},
    };
  };
}

/** The events normalized specially, each with its source. */
export const DESCRIBERS: Readonly<Record<string, { source: string; describe: Describer }>> = {
  workflow_run: { source: ACTIONS_SOURCE, describe: workflowRun },
  workflow_job: { source: ACTIONS_SOURCE, describe: workflowJob },
  check_run: { source: ACTIONS_SOURCE, describe: checkRun },
  check_suite: { source: ACTIONS_SOURCE, describe: checkSuite },
  pull_request: { source: REPOSITORY_SOURCE, describe: pullRequest },
  push: { source: REPOSITORY_SOURCE, describe: push },
  deployment: { source: REPOSITORY_SOURCE, describe: deployment },
  deployment_status: { source: REPOSITORY_SOURCE, describe: deploymentStatus },
  release: { source: REPOSITORY_SOURCE, describe: release },
  ping: { source: REPOSITORY_SOURCE, describe: ping },
};

/** Used by the docs and tests: which names are normalized specially. */
export const SUPPORTED_EVENTS = Object.keys(DESCRIBERS);

export function describerFor(event: string): { source: string; describe: Describer } {
  return Object.hasOwn(DESCRIBERS, event) ? DESCRIBERS[event]! : { source: REPOSITORY_SOURCE, describe: describeOther(event) };
}
