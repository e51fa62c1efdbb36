import { fixtureWith, objectIn, type Replacement } from './fixtures.js';
import type { StoryFacts, WorkflowRunFacts } from './story-facts.js';

/**
 * The story's GitHub deliveries: the recorded payloads of test/fixtures/github (one pull request, #57,
 * its TEST runs, its merge and the DEPLOY run on main) retold with the story's facts.
 */

export interface GithubDelivery {
  /** X-GitHub-Event. */
  event: string;
  payload: Record<string, unknown>;
}

// The facts of the fixtures' own story, replaced by the demo's.
const FIXTURE = {
  title: 'DEV-CICDL-0031: Verify GitHub webhooks before parsing',
  branch: 'vt/dev-cicdl-0031-phase2',
  head: '7638417db6d59f3c431d3e1f261cc637155684cd',
  headBeforeSync: '2d1f0e6c5e8d7f1a4b3c9d8e7f6a5b4c3d2e1f00',
  merge: '9a1c5e4bd0f2a7c6e3b8d1f4a7c0e3b6d9f2a5c8',
  testRunId: '13458021977',
  deployRunId: '13458139402',
  /** Every time of the fixtures' story is on this day, to the second, as GitHub writes them. */
  times: /2026-03-02T\d\d:\d\d:\d\dZ/g,
};

function githubTime(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function storyReplacements(facts: StoryFacts, now: Date): Replacement[] {
  return [
    [FIXTURE.title, facts.title],
    [FIXTURE.branch, facts.branch],
    [/(\/pulls\/|\/pull\/|\/issues\/|"number": )57\b/g, `$1${facts.prNumber}`],
    [FIXTURE.merge, facts.commits.merge.sha],
    // push.main's compare URL carries the merge commit's short form.
    [FIXTURE.merge.slice(0, 12), facts.commits.merge.sha.slice(0, 12)],
    [FIXTURE.times, githubTime(now)],
  ];
}

export function pullRequestOpened(facts: StoryFacts, now: Date): GithubDelivery {
  const payload = fixtureWith('github/pull_request.opened', [[FIXTURE.head, facts.commits.first.sha], ...storyReplacements(facts, now)]);
  objectIn(payload, 'pull_request').body = `${facts.change}.\n\nThe console gets a Delivery column, so a row can be matched with GitHub's Recent Deliveries.`;
  return { event: 'pull_request', payload };
}

/** The fix pushed to the PR's branch: head moves from the first commit to the fix. */
export function pullRequestSynchronized(facts: StoryFacts, now: Date): GithubDelivery {
  const payload = fixtureWith('github/pull_request.synchronize', [
    [FIXTURE.headBeforeSync, facts.commits.first.sha],
    [FIXTURE.head, facts.commits.fix.sha],
    ...storyReplacements(facts, now),
  ]);
  return { event: 'pull_request', payload };
}

export function pullRequestMerged(facts: StoryFacts, now: Date): GithubDelivery {
  const payload = fixtureWith('github/pull_request.closed-merged', [[FIXTURE.head, facts.commits.fix.sha], ...storyReplacements(facts, now)]);
  return { event: 'pull_request', payload };
}

/** The merge commit arriving on main. */
export function pushToMain(facts: StoryFacts, now: Date): GithubDelivery {
  const payload = fixtureWith('github/push.main', storyReplacements(facts, now));
  const { merge } = facts.commits;
  objectIn(payload, 'head_commit').message = merge.message;
  const commits = payload.commits as Array<Record<string, unknown>>;
  // The push carries the merge commit only (GitHub's squash merge).
  payload.commits = [{ ...commits[commits.length - 1], id: merge.sha, message: merge.message, url: objectIn(payload, 'head_commit').url }];
  return { event: 'push', payload };
}

export type RunPhase = 'queued' | 'in_progress' | 'success' | 'failure';

const TEST_FIXTURE: Record<RunPhase, string> = {
  queued: 'github/workflow_run.requested',
  in_progress: 'github/workflow_run.in_progress',
  success: 'github/workflow_run.completed',
  failure: 'github/workflow_run.completed',
};

function withRunState(payload: Record<string, unknown>, run: WorkflowRunFacts, phase: RunPhase): Record<string, unknown> {
  const workflowRun = objectIn(payload, 'workflow_run');
  payload.action = phase === 'queued' ? 'requested' : phase === 'in_progress' ? 'in_progress' : 'completed';
  workflowRun.status = phase === 'queued' ? 'queued' : phase === 'in_progress' ? 'in_progress' : 'completed';
  workflowRun.conclusion = phase === 'success' || phase === 'failure' ? phase : null;
  workflowRun.run_number = run.number;
  workflowRun.run_attempt = 1;
  objectIn(workflowRun, 'head_commit').message = run.commit.message;
  return payload;
}

/** The TEST workflow on the pull request's head commit (`run` says which of the two runs). */
export function testRun(facts: StoryFacts, run: WorkflowRunFacts, phase: RunPhase, now: Date): GithubDelivery {
  const payload = fixtureWith(TEST_FIXTURE[phase], [
    [FIXTURE.testRunId, String(run.id)],
    [FIXTURE.head, run.commit.sha],
    ...storyReplacements(facts, now),
  ]);
  return { event: 'workflow_run', payload: withRunState(payload, run, phase) };
}

/** The DEPLOY workflow on main, run by the merge: its title names no task, its commit message does. */
export function deployRun(facts: StoryFacts, phase: RunPhase, now: Date): GithubDelivery {
  const run = facts.runs.deploy;
  const payload = fixtureWith('github/workflow_run.completed-failure', [[FIXTURE.deployRunId, String(run.id)], ...storyReplacements(facts, now)]);
  return { event: 'workflow_run', payload: withRunState(payload, run, phase) };
}
