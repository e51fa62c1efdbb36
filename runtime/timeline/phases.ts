import type { EventStatus } from '../events/schema.js';
import { contributionsOf, PHASES, type Contribution, type Phase, type RawMark, type TimelineEvent } from './steps.js';

/**
 * A task's events -> its timeline: steps grouped into phases, each with a start, an end and a
 * duration, and the durations derived from them. Pure: no I/O, no clock.
 *
 * Two rules keep the figures honest whatever the delivery order:
 *  - Marks are folded per step and per state: a repeated delivery (the same run and status stored
 *    twice) is one mark, at its earliest time. Nothing is ever counted twice.
 *  - A step's outcome is its end mark whenever it arrived, and its start can never be later than its
 *    end (a `completed` stored before its `in_progress` still gives start <= end). Every duration is
 *    end - start >= 0, or null when the step has not ended.
 */

export interface TimelineMark {
  at: string;
  state: string;
  status: EventStatus;
  eventId: number;
}

export interface TimelineStep {
  id: string;
  phase: Phase;
  label: string;
  status: EventStatus;
  startedAt: string;
  /** Null while the step is still running. */
  endedAt: string | null;
  durationSeconds: number | null;
  url: string | null;
  /** What the link opens, in words (`repo#57`, `TEST run #214`, `Cloud Run gateway revision …`). */
  linkText: string | null;
  marks: TimelineMark[];
}

export interface TimelinePhase {
  phase: Phase;
  startedAt: string;
  endedAt: string;
  steps: TimelineStep[];
}

export interface WorkflowTime {
  workflow: string;
  runs: number;
  lastStatus: EventStatus;
  /** The latest run's duration (null while it runs). */
  lastSeconds: number | null;
  /** All ended runs together. */
  totalSeconds: number;
}

export interface TimelineDurations {
  /** Pull request opened -> merged, for the first pull request merged. */
  reviewSeconds: number | null;
  ci: WorkflowTime[];
  /** The first change (earliest commit or pull request opened) -> the first successful deploy after it. */
  firstChangeAt: string | null;
  firstSuccessfulDeployAt: string | null;
  leadTimeSeconds: number | null;
  /** The first failed CI step or deploy (after the first change, when there is one). */
  firstFailureAt: string | null;
  timeToFirstFailureSeconds: number | null;
  /** The next success of what failed (the same workflow, job, check or service). */
  fixedAt: string | null;
  timeToFixSeconds: number | null;
}

export interface Timeline {
  phases: TimelinePhase[];
  durations: TimelineDurations;
  startedAt: string | null;
  endedAt: string | null;
}

interface Draft {
  first: Contribution;
  /** Folded by state: a repeat keeps the earliest. */
  marks: Map<string, RawMark>;
}

interface FoldedStep extends TimelineStep {
  subject: string;
  category: Contribution['category'];
  workflow?: string;
  startMs: number;
  endMs: number | null;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const seconds = (from: number, to: number): number => Math.max(0, to - from) / 1000;

/** In-progress beats queued beats information, for a step that has not ended. */
const OPEN_RANK: Partial<Record<EventStatus, number>> = { info: 0, queued: 1, in_progress: 2 };

/** Where a step starts and ends, and its outcome, from its marks (sorted by time). */
function span(marks: RawMark[], sessions: boolean): { startMs: number; endMs: number | null; status: EventStatus } {
  const last = marks[marks.length - 1]!;
  // An agent's work on a task: the latest change says whether it is still working.
  if (sessions) {
    const start = marks.find((m) => m.role === 'start') ?? marks[0]!;
    return { startMs: start.at, endMs: last.role === 'end' ? Math.max(last.at, start.at) : null, status: last.status };
  }
  // Only points (an agent's own events, a stray event): from the first to the last, the latest word.
  if (marks.every((m) => m.role === 'point')) return { startMs: marks[0]!.at, endMs: marks.length > 1 ? last.at : null, status: last.status };
  // A reopening undoes the ends before it (a pull request closed, then reopened, is open again).
  const lastReopen = marks.filter((m) => m.role === 'reopen').reduce((latest, m) => Math.max(latest, m.at), -Infinity);
  const end = marks.find((m) => m.role === 'end' && m.at >= lastReopen) ?? null;
  const of = (role: RawMark['role']) => marks.filter((m) => m.role === role);
  const candidates = of('start').length ? of('start') : of('queue').length ? of('queue') : marks;
  const startMs = Math.min(...candidates.map((m) => m.at));
  if (end) return { startMs: Math.min(startMs, end.at), endMs: end.at, status: end.status };
  const status = marks.reduce<EventStatus>((best, m) => ((OPEN_RANK[m.status] ?? 0) > (OPEN_RANK[best] ?? 0) ? m.status : best), 'info');
  return { startMs, endMs: null, status };
}

function foldStep(draft: Draft): FoldedStep {
  const marks = [...draft.marks.values()].sort((a, b) => a.at - b.at || a.eventId - b.eventId);
  const { first } = draft;
  const { startMs, endMs, status } = span(marks, first.stepId.startsWith('agent:'));
  return {
    id: first.stepId,
    phase: first.phase,
    label: first.label,
    status,
    startedAt: iso(startMs),
    endedAt: endMs === null ? null : iso(endMs),
    durationSeconds: endMs === null ? null : seconds(startMs, endMs),
    url: first.url,
    linkText: first.linkText,
    marks: marks.map((m) => ({ at: iso(m.at), state: m.state, status: m.status, eventId: m.eventId })),
    subject: first.subject,
    category: first.category,
    workflow: first.workflow,
    startMs,
    endMs,
  };
}

function ciTimes(steps: FoldedStep[]): WorkflowTime[] {
  const byWorkflow = new Map<string, FoldedStep[]>();
  for (const step of steps) {
    if (step.category !== 'workflow_run' || !step.workflow) continue;
    byWorkflow.set(step.workflow, [...(byWorkflow.get(step.workflow) ?? []), step]);
  }
  return [...byWorkflow.entries()]
    .map(([workflow, runs]) => {
      const last = runs.reduce((a, b) => (b.startMs > a.startMs ? b : a));
      return {
        workflow,
        runs: runs.length,
        lastStatus: last.status,
        lastSeconds: last.durationSeconds,
        totalSeconds: runs.reduce((sum, run) => sum + (run.durationSeconds ?? 0), 0),
      };
    })
    .sort((a, b) => a.workflow.localeCompare(b.workflow));
}

function deriveDurations(steps: FoldedStep[]): TimelineDurations {
  const merged = steps.filter((s) => s.category === 'pull_request' && s.status === 'success' && s.endMs !== null).sort((a, b) => a.endMs! - b.endMs!);
  const reviewSeconds = merged[0] ? merged[0].durationSeconds : null;

  const changes = steps.filter((s) => s.phase === 'change');
  const firstChange = changes.length ? Math.min(...changes.map((s) => s.startMs)) : null;
  const after = (ms: number | null) => firstChange === null || (ms !== null && ms >= firstChange);

  const deploys = steps.filter((s) => s.phase === 'deploy' && s.status === 'success' && s.endMs !== null && after(s.endMs)).sort((a, b) => a.endMs! - b.endMs!);
  const firstDeploy = deploys[0]?.endMs ?? null;

  const outcomes = steps.filter((s) => (s.phase === 'ci' || s.phase === 'deploy') && s.endMs !== null && after(s.endMs));
  const failure = outcomes.filter((s) => s.status === 'failure').sort((a, b) => a.endMs! - b.endMs!)[0];
  const fix = failure
    ? outcomes.filter((s) => s.subject === failure.subject && s.status === 'success' && s.endMs! >= failure.endMs!).sort((a, b) => a.endMs! - b.endMs!)[0]
    : undefined;
  const origin = firstChange ?? (steps.length ? Math.min(...steps.map((s) => s.startMs)) : null);

  return {
    reviewSeconds,
    ci: ciTimes(steps),
    firstChangeAt: firstChange === null ? null : iso(firstChange),
    firstSuccessfulDeployAt: firstDeploy === null ? null : iso(firstDeploy),
    leadTimeSeconds: firstChange !== null && firstDeploy !== null ? seconds(firstChange, firstDeploy) : null,
    firstFailureAt: failure ? iso(failure.endMs!) : null,
    timeToFirstFailureSeconds: failure && origin !== null ? seconds(origin, failure.endMs!) : null,
    fixedAt: fix ? iso(fix.endMs!) : null,
    timeToFixSeconds: failure && fix ? seconds(failure.endMs!, fix.endMs!) : null,
  };
}

function publicStep(step: FoldedStep): TimelineStep {
  const { subject: _subject, category: _category, workflow: _workflow, startMs: _start, endMs: _end, ...rest } = step;
  return rest;
}

/** The whole timeline of one task from its events (any order; repeats allowed). */
export function buildTimeline(events: readonly TimelineEvent[]): Timeline {
  const drafts = new Map<string, Draft>();
  for (const event of events) {
    for (const contribution of contributionsOf(event)) {
      let draft = drafts.get(contribution.stepId);
      if (!draft) {
        draft = { first: contribution, marks: new Map() };
        drafts.set(contribution.stepId, draft);
      }
      // The label and link of a step come from its most telling event: one that carries a URL.
      if (!draft.first.url && contribution.url) draft.first = { ...contribution, stepId: draft.first.stepId };
      // Repeats fold: a state happens once per step (the earliest copy wins). Points and an agent's
      // changes can recur, so they fold only when they are the same moment too.
      const { role, state, at } = contribution.mark;
      const recurring = role === 'point' || contribution.stepId.startsWith('agent:');
      const key = recurring ? `${role}:${state}:${at}` : `${role}:${state}`;
      const seen = draft.marks.get(key);
      if (!seen || contribution.mark.at < seen.at) draft.marks.set(key, contribution.mark);
    }
  }
  const steps = [...drafts.values()].map(foldStep);
  const phases: TimelinePhase[] = [];
  for (const phase of PHASES) {
    const inPhase = steps.filter((s) => s.phase === phase).sort((a, b) => a.startMs - b.startMs || a.id.localeCompare(b.id));
    if (!inPhase.length) continue;
    const lastMs = (s: FoldedStep) => s.endMs ?? Date.parse(s.marks[s.marks.length - 1]!.at);
    phases.push({
      phase,
      startedAt: iso(Math.min(...inPhase.map((s) => s.startMs))),
      endedAt: iso(Math.max(...inPhase.map(lastMs))),
      steps: inPhase.map(publicStep),
    });
  }
  return {
    phases,
    durations: deriveDurations(steps),
    startedAt: phases.length ? phases.map((p) => p.startedAt).sort()[0]! : null,
    endedAt: phases.length ? phases.map((p) => p.endedAt).sort().at(-1)! : null,
  };
}
