import type { EventStatus, OasisEvent } from '../events/schema.js';
import { earliestCommit, firstTime, parseTime, type PayloadTimes } from './event-times.js';
import { asObject } from '../core/object.js';

/**
 * Which step of a task's timeline an event belongs to, and what it says about that step. Pure.
 *
 * A step is one thing that runs and ends: a pull request, a workflow run attempt, a job, a check, a
 * Cloud Run rollout of one revision, an agent's work on the task, the ledger task itself. Each event
 * contributes one *mark* to its step: when (see event-times.ts), what happened, and which role the mark
 * plays (queued, started, ended, or a point in between). phases.ts folds the marks into durations.
 */

export type Phase = 'task' | 'change' | 'ci' | 'deploy' | 'agents' | 'other';
export const PHASES: readonly Phase[] = ['task', 'change', 'ci', 'deploy', 'agents', 'other'];

/**
 * queue: waiting to run; start: began; end: finished (its status is the outcome); point: something in
 * between; reopen: undoes an earlier end (a reopened pull request).
 */
export type MarkRole = 'queue' | 'start' | 'end' | 'point' | 'reopen';

export interface TimelineEvent extends OasisEvent {
  /** Times read from the payload (GitHub events only; empty otherwise). */
  times: PayloadTimes;
}

export interface RawMark {
  at: number;
  /** What happened, in words: opened, started, completed, ready, failed, … */
  state: string;
  status: EventStatus;
  role: MarkRole;
  eventId: number;
}

export interface Contribution {
  stepId: string;
  phase: Phase;
  label: string;
  /** What a failure and its fix have in common: the same workflow, job, check or service. */
  subject: string;
  url: string | null;
  linkText: string | null;
  /** Merged pull requests (for review time) and CI workflow runs (for CI time per workflow). */
  category: 'pull_request' | 'push' | 'workflow_run' | 'ci' | 'deployment' | 'agent' | 'task' | 'other';
  workflow?: string;
  mark: RawMark;
}

type Meta = Record<string, unknown>;

const str = (meta: Meta, key: string): string | null => (typeof meta[key] === 'string' && meta[key] !== '' ? (meta[key] as string) : null);
const num = (meta: Meta, key: string): number | null => (typeof meta[key] === 'number' && Number.isFinite(meta[key]) ? (meta[key] as number) : null);

const TERMINAL: ReadonlySet<EventStatus> = new Set(['success', 'failure', 'cancelled']);

/** The role of an Actions / deployment event from its status (completed ones end their step). */
function roleFromStatus(status: EventStatus, completed: boolean): MarkRole {
  if (status === 'queued') return 'queue';
  if (status === 'in_progress') return 'start';
  if (TERMINAL.has(status) || completed) return 'end';
  return 'point';
}

const ROLE_WORD: Record<MarkRole, string> = { queue: 'queued', start: 'started', end: 'completed', point: 'updated', reopen: 'reopened' };

function actionsAt(role: MarkRole, ts: number, queued?: string, started?: string, ended?: string): number {
  if (role === 'queue') return firstTime(ts, queued);
  if (role === 'start') return firstTime(ts, started);
  if (role === 'end') return firstTime(ts, ended);
  return ts;
}

/**
 * A completed run, job or check also says when it started and was queued (GitHub repeats those times
 * in every delivery), so a lost or late `in_progress` delivery costs nothing: the implied marks are
 * the same as the ones it would have brought, and fold with them.
 */
function withImpliedMarks(contribution: Contribution, times: { queued?: string; started?: string }): Contribution[] {
  const { mark } = contribution;
  const out = [contribution];
  const implied = (role: MarkRole, value: string | undefined) => {
    const at = parseTime(value);
    if (at !== null) out.push({ ...contribution, mark: { ...mark, at, role, state: ROLE_WORD[role], status: role === 'queue' ? 'queued' : 'in_progress' } });
  };
  if (mark.role === 'end') implied('start', times.started);
  if (mark.role === 'end' || mark.role === 'start') implied('queue', times.queued);
  return out;
}

const short = (sha: string | null): string => (sha ? sha.slice(0, 7) : '?');

function pullRequest(event: TimelineEvent, ts: number): Contribution {
  const meta = event.metadata;
  const number = num(meta, 'number') ?? (Number(event.times.prNumber) || null);
  const repo = event.repo ?? 'unknown repository';
  const action = str(meta, 'action');
  let role: MarkRole = 'point';
  let state = action ?? 'updated';
  let at = ts;
  if (action === 'opened') {
    role = 'start';
    at = firstTime(ts, event.times.prCreatedAt);
  } else if (action === 'reopened') {
    role = 'reopen';
  } else if (action === 'closed') {
    role = 'end';
    state = event.status === 'success' ? 'merged' : 'closed';
    at = firstTime(ts, event.times.prMergedAt, event.times.prClosedAt);
  } else if (action === 'synchronize') {
    state = 'pushed';
  }
  const status: EventStatus = role === 'end' ? event.status : role === 'start' || role === 'reopen' ? 'in_progress' : 'info';
  return {
    stepId: `pr:${repo}#${number ?? event.id}`,
    phase: 'change',
    label: `${repo}#${number ?? '?'}${event.title ? ` ${event.title}` : ''}`,
    subject: `pr:${repo}#${number ?? event.id}`,
    url: event.url,
    linkText: `${repo}#${number ?? '?'}`,
    category: 'pull_request',
    mark: { at, state, status, role, eventId: event.id },
  };
}

function review(event: TimelineEvent, ts: number): Contribution {
  const number = Number(event.times.prNumber) || null;
  const repo = event.repo ?? 'unknown repository';
  return {
    stepId: `pr:${repo}#${number ?? event.id}`,
    phase: 'change',
    label: `${repo}#${number ?? '?'}`,
    subject: `pr:${repo}#${number ?? event.id}`,
    url: event.url,
    linkText: `${repo}#${number ?? '?'} review`,
    category: 'pull_request',
    mark: { at: firstTime(ts, event.times.reviewSubmittedAt), state: `reviewed${event.times.reviewState ? ` (${event.times.reviewState})` : ''}`, status: 'info', role: 'point', eventId: event.id },
  };
}

/** A push is a step of its own: from its earliest commit to the push. Two marks, so it returns both. */
function push(event: TimelineEvent, ts: number): Contribution[] {
  const meta = event.metadata;
  const base = {
    stepId: `push:${event.id}`,
    phase: 'change' as const,
    label: `push to ${event.ref ?? 'unknown ref'}${event.title ? `: ${event.title}` : ''}`,
    subject: `push:${event.repo}:${event.ref}`,
    url: event.url,
    linkText: `${event.repo ?? 'repository'} ${short(str(meta, 'before'))}…${short(str(meta, 'after') ?? event.sha)}`,
    category: 'push' as const,
  };
  const pushed: Contribution = { ...base, mark: { at: ts, state: 'pushed', status: event.status, role: 'end', eventId: event.id } };
  const first = earliestCommit(event.times);
  if (first === null) return [pushed];
  return [{ ...base, mark: { at: Math.min(first, ts), state: 'first commit', status: 'in_progress', role: 'start', eventId: event.id } }, pushed];
}

function workflowRun(event: TimelineEvent, ts: number): Contribution[] {
  const meta = event.metadata;
  const workflow = str(meta, 'workflowName') ?? 'workflow';
  const attempt = num(meta, 'runAttempt') ?? 1;
  const runNumber = num(meta, 'runNumber');
  const role = roleFromStatus(event.status, str(meta, 'githubStatus') === 'completed');
  const t = event.times;
  return withImpliedMarks({
    stepId: `run:${num(meta, 'runId') ?? `event-${event.id}`}:${attempt}`,
    phase: 'ci',
    label: `${workflow} #${runNumber ?? '?'}${attempt > 1 ? ` (attempt ${attempt})` : ''}`,
    subject: `workflow:${event.repo}:${workflow}`,
    url: event.url,
    linkText: `${workflow} run #${runNumber ?? '?'}`,
    category: 'workflow_run',
    workflow,
    mark: { at: actionsAt(role, ts, t.runCreatedAt, t.runStartedAt, t.runUpdatedAt), state: ROLE_WORD[role], status: event.status, role, eventId: event.id },
  }, { queued: t.runCreatedAt, started: t.runStartedAt });
}

function workflowJob(event: TimelineEvent, ts: number): Contribution[] {
  const meta = event.metadata;
  const workflow = str(meta, 'workflowName') ?? 'workflow';
  const job = str(meta, 'jobName') ?? 'job';
  const role = roleFromStatus(event.status, str(meta, 'githubStatus') === 'completed');
  const t = event.times;
  return withImpliedMarks({
    stepId: `job:${num(meta, 'jobId') ?? `event-${event.id}`}:${num(meta, 'runAttempt') ?? 1}`,
    phase: 'ci',
    label: `${workflow} / ${job}`,
    subject: `job:${event.repo}:${workflow}/${job}`,
    url: event.url,
    linkText: `job ${job}`,
    category: 'ci',
    mark: { at: actionsAt(role, ts, t.jobCreatedAt, t.jobStartedAt, t.jobCompletedAt), state: ROLE_WORD[role], status: event.status, role, eventId: event.id },
  }, { queued: t.jobCreatedAt, started: t.jobStartedAt });
}

function checkRun(event: TimelineEvent, ts: number): Contribution[] {
  const meta = event.metadata;
  const name = event.title ?? 'check';
  const role = roleFromStatus(event.status, str(meta, 'githubStatus') === 'completed');
  return withImpliedMarks({
    stepId: `check:${num(meta, 'checkRunId') ?? `event-${event.id}`}`,
    phase: 'ci',
    label: `check ${name}`,
    subject: `check:${event.repo}:${name}`,
    url: event.url,
    linkText: `check ${name}`,
    category: 'ci',
    mark: { at: actionsAt(role, ts, undefined, event.times.checkStartedAt, event.times.checkCompletedAt), state: ROLE_WORD[role], status: event.status, role, eventId: event.id },
  }, { started: event.times.checkStartedAt });
}

function checkSuite(event: TimelineEvent, ts: number): Contribution {
  const meta = event.metadata;
  const app = str(meta, 'app') ?? 'checks';
  const role = roleFromStatus(event.status, str(meta, 'githubStatus') === 'completed');
  return {
    stepId: `suite:${num(meta, 'checkSuiteId') ?? `event-${event.id}`}`,
    phase: 'ci',
    label: `${app} check suite`,
    subject: `suite:${event.repo}:${app}`,
    url: event.url,
    linkText: `${app} checks of ${short(event.sha)}`,
    category: 'ci',
    mark: { at: ts, state: ROLE_WORD[role], status: event.status, role, eventId: event.id },
  };
}

function githubDeployment(event: TimelineEvent, ts: number): Contribution {
  const meta = event.metadata;
  const environment = str(meta, 'environment') ?? 'unknown environment';
  const created = event.kind === 'deployment';
  const role: MarkRole = created ? 'queue' : roleFromStatus(event.status, false);
  const state = created ? 'created' : (str(meta, 'state') ?? ROLE_WORD[role]);
  return {
    stepId: `deployment:${num(meta, 'deploymentId') ?? `event-${event.id}`}`,
    phase: 'deploy',
    label: `Deployment to ${environment}`,
    subject: `environment:${event.repo}:${environment}`,
    url: event.url,
    linkText: created ? `deployment to ${environment}` : `deployment log (${environment})`,
    category: 'deployment',
    mark: { at: created ? firstTime(ts, event.times.deploymentCreatedAt) : firstTime(ts, event.times.deploymentStatusAt), state, status: event.status, role, eventId: event.id },
  };
}

function cloudRunDeploy(event: TimelineEvent, ts: number): Contribution {
  const meta = event.metadata;
  const service = str(meta, 'service') ?? 'unknown service';
  const revision = str(meta, 'revision');
  const operationMeta = asObject(meta.operation);
  const operation = operationMeta ? str(operationMeta, 'id') : null;
  const role: MarkRole = event.status === 'in_progress' ? 'start' : TERMINAL.has(event.status) ? 'end' : 'point';
  const state = event.status === 'in_progress' ? 'accepted' : event.status === 'success' ? 'ready' : event.status === 'failure' ? 'failed' : event.status;
  return {
    stepId: `cloudrun:${service}:${revision ?? (operation ? `op-${operation}` : `event-${event.id}`)}`,
    phase: 'deploy',
    label: `${service}${revision ? ` ${revision}` : ''}`,
    subject: `service:${service}`,
    url: event.url,
    linkText: `Cloud Run ${service}${revision ? ` revision ${revision}` : ''}`,
    category: 'deployment',
    mark: { at: ts, state, status: event.status, role, eventId: event.id },
  };
}

const AGENT_END: ReadonlySet<string> = new Set(['agent.idle', 'agent.stopped', 'agent.offline']);

function heartbeat(event: TimelineEvent, ts: number): Contribution {
  const agent = str(event.metadata, 'agent') ?? event.actor ?? 'agent';
  const role: MarkRole = AGENT_END.has(event.kind) ? 'end' : event.kind === 'agent.online' || event.kind === 'agent.task_changed' ? 'start' : 'point';
  return {
    stepId: `agent:${agent}`,
    phase: 'agents',
    label: `agent ${agent}`,
    subject: `agent:${agent}`,
    url: null,
    linkText: null,
    category: 'agent',
    mark: { at: ts, state: event.kind.replace(/^agent\./, ''), status: event.status, role, eventId: event.id },
  };
}

function ledger(event: TimelineEvent, ts: number): Contribution {
  const meta = event.metadata;
  const newStatus = str(meta, 'newStatus');
  const role: MarkRole = event.kind === 'vtid.created' ? 'start' : newStatus === 'complete' || newStatus === 'cancelled' ? 'end' : 'point';
  const family = str(meta, 'taskFamily');
  return {
    stepId: `task:${event.vtid}`,
    phase: 'task',
    label: family ? `task ${family}/${str(meta, 'taskType') ?? ''}` : 'ledger task',
    subject: `task:${event.vtid}`,
    url: null,
    linkText: null,
    category: 'task',
    mark: { at: ts, state: newStatus ?? event.kind, status: event.status, role, eventId: event.id },
  };
}

/** Any other agent's own events (task.progress, …): one step per agent source and actor. */
function otherAgent(event: TimelineEvent, ts: number): Contribution {
  const who = event.actor ?? event.source;
  return {
    stepId: `agent-events:${event.source}:${who}`,
    phase: 'agents',
    label: `${who} (${event.source})`,
    subject: `agent-events:${event.source}:${who}`,
    url: event.url,
    linkText: event.url ? `${event.source} link` : null,
    category: 'agent',
    mark: { at: ts, state: event.kind, status: event.status, role: 'point', eventId: event.id },
  };
}

function other(event: TimelineEvent, ts: number): Contribution {
  return {
    stepId: `event:${event.id}`,
    phase: 'other',
    label: event.title ?? `${event.source} ${event.kind}`,
    subject: `event:${event.source}:${event.kind}`,
    url: event.url,
    linkText: event.url ? `${event.source} ${event.kind}` : null,
    category: 'other',
    mark: { at: ts, state: event.kind, status: event.status, role: 'point', eventId: event.id },
  };
}

/** The marks one event adds (a push adds two: its first commit and the push). */
export function contributionsOf(event: TimelineEvent): Contribution[] {
  const ts = Date.parse(event.ts);
  const github = event.source === 'github' || event.source === 'github.actions';
  if (github) {
    switch (event.kind) {
      case 'pull_request':
        return [pullRequest(event, ts)];
      case 'pull_request_review':
        return [review(event, ts)];
      case 'push':
        return push(event, ts);
      case 'workflow_run':
        return workflowRun(event, ts);
      case 'workflow_job':
        return workflowJob(event, ts);
      case 'check_run':
        return checkRun(event, ts);
      case 'check_suite':
        return [checkSuite(event, ts)];
      case 'deployment':
      case 'deployment_status':
        return [githubDeployment(event, ts)];
    }
  }
  if (event.source === 'gcp.cloudrun' && event.kind === 'deploy') return [cloudRunDeploy(event, ts)];
  if (event.source === 'agent.heartbeat') return [heartbeat(event, ts)];
  if (event.source === 'vtid-ledger') return [ledger(event, ts)];
  if (event.source.startsWith('agent.') || event.source.startsWith('agent-')) return [otherAgent(event, ts)];
  return [other(event, ts)];
}
