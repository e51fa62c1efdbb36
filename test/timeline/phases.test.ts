import { describe, expect, it } from 'vitest';
import type { OasisEvent } from '../../runtime/events/schema.js';
import type { PayloadTimes } from '../../runtime/timeline/event-times.js';
import { buildTimeline, type Timeline } from '../../runtime/timeline/phases.js';
import type { TimelineEvent } from '../../runtime/timeline/steps.js';

/** Events as the repository hands them over; every figure below is worked out by hand from them. */

let nextId = 1;
function event(fields: Partial<OasisEvent> & Pick<OasisEvent, 'source' | 'kind' | 'status' | 'ts'>, times: PayloadTimes = {}): TimelineEvent {
  return {
    id: nextId++,
    vtid: 'DEV-CICDL-0031',
    layer: 'DEV',
    module: 'CICDL',
    title: null,
    repo: 'vitana/oasis',
    ref: null,
    sha: null,
    actor: null,
    url: null,
    externalId: null,
    tenant: 'system',
    metadata: {},
    ...fields,
    times,
  };
}

const run = (ts: string, status: OasisEvent['status'], githubStatus: string, times: PayloadTimes, runId = 11, workflowName = 'TEST') =>
  event({ source: 'github.actions', kind: 'workflow_run', status, ts, url: `https://github.com/vitana/oasis/actions/runs/${runId}`, metadata: { runId, runAttempt: 1, runNumber: 7, workflowName, githubStatus } }, times);

const deploy = (ts: string, status: OasisEvent['status'], revision: string, log = status === 'in_progress' ? 'activity' : 'system_event') =>
  event({ source: 'gcp.cloudrun', kind: 'deploy', status, ts, repo: null, metadata: { service: 'gateway', revision, log } });

const step = (timeline: Timeline, id: string) => timeline.phases.flatMap((p) => p.steps).find((s) => s.id === id)!;

describe('buildTimeline', () => {
  it('folds a run delivered out of order and twice into one step with its real duration', () => {
    const times = { runCreatedAt: '2026-03-02T09:14:00Z', runStartedAt: '2026-03-02T09:14:07Z', runUpdatedAt: '2026-03-02T09:17:45Z' };
    // Arrival order: completed first, then its in_progress, then completed again (a second delivery).
    const events = [
      run('2026-03-02T09:17:46Z', 'success', 'completed', times),
      run('2026-03-02T09:17:50Z', 'in_progress', 'in_progress', times),
      run('2026-03-02T09:18:30Z', 'success', 'completed', times),
    ];
    const timeline = buildTimeline(events);
    const ci = timeline.phases.find((p) => p.phase === 'ci')!;
    expect(ci.steps).toHaveLength(1);
    const s = ci.steps[0]!;
    expect(s).toMatchObject({ id: 'run:11:1', status: 'success', startedAt: '2026-03-02T09:14:07.000Z', endedAt: '2026-03-02T09:17:45.000Z', durationSeconds: 218, linkText: 'TEST run #7' });
    expect(s.marks.map((m) => m.state)).toEqual(['queued', 'started', 'completed']);
    expect(timeline.durations.ci).toEqual([{ workflow: 'TEST', runs: 1, lastStatus: 'success', lastSeconds: 218, totalSeconds: 218 }]);
  });

  it('never gives a negative duration when only arrival times are known and the end came first', () => {
    const events = [
      event({ source: 'github.actions', kind: 'workflow_job', status: 'failure', ts: '2026-03-02T10:00:00Z', metadata: { jobId: 5, githubStatus: 'completed', workflowName: 'TEST', jobName: 'UNIT' } }),
      event({ source: 'github.actions', kind: 'workflow_job', status: 'in_progress', ts: '2026-03-02T10:00:09Z', metadata: { jobId: 5, githubStatus: 'in_progress', workflowName: 'TEST', jobName: 'UNIT' } }),
    ];
    const s = step(buildTimeline(events), 'job:5:1');
    expect(s.status).toBe('failure');
    expect(s.durationSeconds).toBe(0);
    expect(Date.parse(s.startedAt)).toBeLessThanOrEqual(Date.parse(s.endedAt!));
  });

  it('derives review time, lead time, time to first failure and to its fix', () => {
    const events = [
      event({ source: 'github', kind: 'push', status: 'success', ts: '2026-03-02T09:00:00Z', ref: 'vt/dev-cicdl-0031', metadata: { before: 'a'.repeat(40), after: 'b'.repeat(40) } }, { commitTimes: ['2026-03-02T08:30:00Z', '2026-03-02T08:50:00Z'] }),
      event({ source: 'github', kind: 'pull_request', status: 'in_progress', ts: '2026-03-02T09:01:00Z', metadata: { action: 'opened', number: 57 } }, { prCreatedAt: '2026-03-02T09:00:30Z' }),
      event({ source: 'github', kind: 'pull_request_review', status: 'info', ts: '2026-03-02T09:30:00Z' }, { prNumber: '57', reviewSubmittedAt: '2026-03-02T09:29:00Z', reviewState: 'approved' }),
      run('2026-03-02T09:10:00Z', 'failure', 'completed', { runStartedAt: '2026-03-02T09:05:00Z', runUpdatedAt: '2026-03-02T09:10:00Z' }, 21),
      run('2026-03-02T09:40:00Z', 'success', 'completed', { runStartedAt: '2026-03-02T09:35:00Z', runUpdatedAt: '2026-03-02T09:40:00Z' }, 22),
      event({ source: 'github', kind: 'pull_request', status: 'success', ts: '2026-03-02T10:00:05Z', metadata: { action: 'closed', number: 57, merged: true } }, { prCreatedAt: '2026-03-02T09:00:30Z', prMergedAt: '2026-03-02T10:00:00Z' }),
      // The squash merge lands on main under a new sha; the deploy is linked by the VTID label alone.
      deploy('2026-03-02T10:05:00Z', 'in_progress', 'gateway-00002'),
      deploy('2026-03-02T10:06:00Z', 'failure', 'gateway-00002'),
      deploy('2026-03-02T10:20:00Z', 'in_progress', 'gateway-00003'),
      deploy('2026-03-02T10:21:00Z', 'success', 'gateway-00003'),
      deploy('2026-03-02T10:21:00Z', 'success', 'gateway-00003'),
    ];
    const timeline = buildTimeline([...events].reverse());
    expect(timeline.phases.map((p) => p.phase)).toEqual(['change', 'ci', 'deploy']);
    const pr = step(timeline, 'pr:vitana/oasis#57');
    expect(pr).toMatchObject({ status: 'success', startedAt: '2026-03-02T09:00:30.000Z', endedAt: '2026-03-02T10:00:00.000Z', linkText: 'vitana/oasis#57' });
    expect(pr.marks.map((m) => m.state)).toEqual(['opened', 'reviewed (approved)', 'merged']);
    expect(timeline.phases[0]!.steps.find((s) => s.id.startsWith('push:'))).toMatchObject({ startedAt: '2026-03-02T08:30:00.000Z', durationSeconds: 1800 });
    expect(step(timeline, 'cloudrun:gateway:gateway-00003')).toMatchObject({ status: 'success', durationSeconds: 60 });
    expect(step(timeline, 'cloudrun:gateway:gateway-00003').marks).toHaveLength(2);
    expect(timeline.durations).toEqual({
      reviewSeconds: 3570,
      ci: [{ workflow: 'TEST', runs: 2, lastStatus: 'success', lastSeconds: 300, totalSeconds: 600 }],
      firstChangeAt: '2026-03-02T08:30:00.000Z',
      firstSuccessfulDeployAt: '2026-03-02T10:21:00.000Z',
      leadTimeSeconds: 6660,
      firstFailureAt: '2026-03-02T09:10:00.000Z',
      timeToFirstFailureSeconds: 2400,
      fixedAt: '2026-03-02T09:40:00.000Z',
      timeToFixSeconds: 1800,
    });
    expect(timeline.startedAt).toBe('2026-03-02T08:30:00.000Z');
    expect(timeline.endedAt).toBe('2026-03-02T10:21:00.000Z');
  });

  it('keeps an agent working until its latest change says otherwise, and a reopened pull request open', () => {
    const agent = (kind: string, ts: string, status: OasisEvent['status']) => event({ source: 'agent.heartbeat', kind, status, ts, repo: null, metadata: { agent: 'builder-1' } });
    const events = [
      agent('agent.online', '2026-03-02T09:00:00Z', 'in_progress'),
      agent('agent.idle', '2026-03-02T09:10:00Z', 'info'),
      agent('agent.online', '2026-03-02T09:20:00Z', 'in_progress'),
      event({ source: 'github', kind: 'pull_request', status: 'in_progress', ts: '2026-03-02T09:00:00Z', metadata: { action: 'opened', number: 3 } }),
      event({ source: 'github', kind: 'pull_request', status: 'cancelled', ts: '2026-03-02T09:05:00Z', metadata: { action: 'closed', number: 3, merged: false } }),
      event({ source: 'github', kind: 'pull_request', status: 'in_progress', ts: '2026-03-02T09:06:00Z', metadata: { action: 'reopened', number: 3 } }),
    ];
    const timeline = buildTimeline(events);
    expect(step(timeline, 'agent:builder-1')).toMatchObject({ status: 'in_progress', endedAt: null, durationSeconds: null });
    expect(step(timeline, 'agent:builder-1').marks).toHaveLength(3);
    expect(step(timeline, 'pr:vitana/oasis#3')).toMatchObject({ status: 'in_progress', endedAt: null });
    expect(timeline.durations.reviewSeconds).toBeNull();
    expect(timeline.durations.leadTimeSeconds).toBeNull();
  });

  it('gives an empty timeline for no events', () => {
    expect(buildTimeline([])).toMatchObject({ phases: [], startedAt: null, endedAt: null, durations: { leadTimeSeconds: null, ci: [] } });
  });
});
