import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SUPPORTED_EVENTS } from '../../runtime/github/describe.js';
import { labelOverrides, normalizeDelivery, type GithubDelivery } from '../../runtime/github/normalize.js';
import { actionsStatus, actionsWaiting, deploymentStateStatus, pullRequestStatus, releaseStatus, STATUS_TABLE, WAITING_TABLE } from '../../runtime/github/status.js';
import { EXPECTED_GITHUB_EVENTS } from '../fixtures/github/expected.js';
import { githubFixture } from '../helpers/github.js';

const FIXTURE_DIR = fileURLToPath(new URL('../fixtures/github/', import.meta.url));
const FIXTURES = readdirSync(FIXTURE_DIR)
  .filter((name) => name.endsWith('.json'))
  .map((name) => name.slice(0, -'.json'.length))
  .sort();

const delivery = (event: string, payload: Record<string, unknown>, extra: Partial<GithubDelivery> = {}): GithubDelivery => ({
  event,
  deliveryId: 'd-1',
  payload,
  ...extra,
});

describe('fixtures', () => {
  it('every fixture has an expectation and every expectation a fixture', () => {
    expect(FIXTURES).toEqual(Object.keys(EXPECTED_GITHUB_EVENTS).sort());
  });

  it('every supported event has at least one fixture, and one fixture is of an unsupported event', () => {
    const events = new Set(FIXTURES.map((name) => name.split('.', 1)[0]));
    for (const event of SUPPORTED_EVENTS) expect(events, event).toContain(event);
    expect([...events].some((event) => !SUPPORTED_EVENTS.includes(event!))).toBe(true);
  });

  it.each(FIXTURES)('%s normalizes field by field', (name) => {
    const { event, payload } = githubFixture(name);
    const expected = EXPECTED_GITHUB_EVENTS[name]!;
    const result = normalizeDelivery(
      delivery(event, payload, { deliveryId: `delivery-${name}`, hookId: '482919237', targetType: 'repository', targetId: '300029405' }),
    );
    const { metadata: expectedMetadata, ...fields } = expected;
    expect(result).toMatchObject({ ...fields, externalId: `delivery-${name}`, tenant: 'system' });
    expect(result.ts).toBeUndefined();
    expect(result.payload).toBe(payload);
    expect(result.metadata).toMatchObject({
      deliveryId: `delivery-${name}`,
      event,
      hookId: '482919237',
      targetType: 'repository',
      targetId: '300029405',
      ...expectedMetadata,
    });
    // Nulls are dropped, not stored.
    expect(Object.values(result.metadata)).not.toContain(null);
  });
});

describe('the status table', () => {
  const ACTIONS_EVENTS = ['workflow_run', 'workflow_job', 'check_run', 'check_suite'] as const;
  const objectKey = { workflow_run: 'workflow_run', workflow_job: 'workflow_job', check_run: 'check_run', check_suite: 'check_suite' };

  describe.each(ACTIONS_EVENTS)('%s', (event) => {
    const make = (action: string | null, status: string | null, conclusion: string | null = null) =>
      normalizeDelivery(delivery(event, { ...(action ? { action } : {}), [objectKey[event]]: { status, conclusion } })).status;

    it.each(Object.entries(STATUS_TABLE.actionsStatus))('status %s -> %s', (status, expected) => {
      expect(make('in_progress', status)).toBe(expected);
    });
    it.each(Object.entries(STATUS_TABLE.actionsConclusion))('completed + conclusion %s -> %s', (conclusion, expected) => {
      expect(make('completed', 'completed', conclusion)).toBe(expected);
    });
    it('rerequested -> queued, whatever the old result', () => {
      expect(make('rerequested', 'completed', 'failure')).toBe('queued');
    });

    const described = (action: string, conclusion: string, app?: string) =>
      normalizeDelivery(
        delivery(event, { action, [objectKey[event]]: { status: 'completed', conclusion, ...(app ? { app: { slug: app } } : {}) } }),
      );
    it('action_required is a run waiting for approval: queued with metadata.waiting, never failure', () => {
      const result = described('completed', 'action_required', 'github-actions');
      expect(result.status).toBe('queued');
      expect(result.metadata).toMatchObject({ waiting: 'approval', conclusion: 'action_required' });
    });
    it('stale is cancelled, skipped and neutral are info; none of them is waiting', () => {
      for (const [conclusion, expected] of [['stale', 'cancelled'], ['skipped', 'info'], ['neutral', 'info']] as const) {
        const result = described('completed', conclusion);
        expect(result.status, conclusion).toBe(expected);
        expect(result.metadata.waiting, conclusion).toBeUndefined();
      }
    });
    it('a re-run of an action_required run is queued without waiting', () => {
      const result = described('rerequested', 'action_required');
      expect(result.status).toBe('queued');
      expect(result.metadata.waiting).toBeUndefined();
    });
    it('completed without (or with an unknown) conclusion -> info', () => {
      expect(make('completed', 'completed', null)).toBe('info');
      expect(make('completed', 'completed', 'something_new')).toBe('info');
    });
    it('no status in the object: the action decides', () => {
      expect(make('in_progress', null)).toBe('in_progress');
      expect(make('requested', null)).toBe('queued');
    });
    it('an unknown status -> info', () => {
      expect(make('in_progress', 'unheard_of')).toBe('info');
    });
  });

  describe('pull_request', () => {
    const make = (action: string, merged: boolean | null) => normalizeDelivery(delivery('pull_request', { action, pull_request: { merged } })).status;
    it.each([
      ['opened', false, 'in_progress'],
      ['synchronize', false, 'in_progress'],
      ['reopened', false, 'in_progress'],
      ['closed', true, 'success'],
      ['closed', false, 'cancelled'],
      ['closed', null, 'cancelled'],
      ['edited', false, 'info'],
      ['labeled', false, 'info'],
      ['ready_for_review', false, 'info'],
    ] as const)('%s (merged: %s) -> %s', (action, merged, expected) => {
      expect(make(action, merged)).toBe(expected);
    });
  });

  it.each(Object.entries(STATUS_TABLE.deploymentState))('deployment_status state %s -> %s', (state, expected) => {
    expect(normalizeDelivery(delivery('deployment_status', { action: 'created', deployment_status: { state } })).status).toBe(expected);
  });

  it.each([
    ['published', 'success'],
    ['released', 'success'],
    ['prereleased', 'success'],
    ['created', 'info'],
    ['edited', 'info'],
    ['deleted', 'info'],
    ['unpublished', 'info'],
  ] as const)('release %s -> %s', (action, expected) => {
    expect(normalizeDelivery(delivery('release', { action, release: {} })).status).toBe(expected);
  });

  it('push -> success, a deleted branch -> info; deployment -> queued; ping and anything else -> info', () => {
    expect(normalizeDelivery(delivery('push', { ref: 'refs/heads/main' })).status).toBe('success');
    expect(normalizeDelivery(delivery('push', { ref: 'refs/heads/x', deleted: true })).status).toBe('info');
    expect(normalizeDelivery(delivery('deployment', { action: 'created' })).status).toBe('queued');
    expect(normalizeDelivery(delivery('ping', { zen: 'z' })).status).toBe('info');
    expect(normalizeDelivery(delivery('star', { action: 'created' })).status).toBe('info');
  });

  it('a check of another GitHub App with action_required waits for an action, not an approval', () => {
    for (const event of ['check_run', 'check_suite'] as const) {
      const result = normalizeDelivery(delivery(event, { action: 'completed', [event]: { status: 'completed', conclusion: 'action_required', app: { slug: 'some-ci' } } }));
      expect(result.status).toBe('queued');
      expect(result.metadata.waiting).toBe('action');
    }
  });

  it('a run that is waiting because it is not completed yet carries no waiting reason of a conclusion', () => {
    expect(actionsWaiting('in_progress', 'in_progress', 'action_required', null)).toBeNull();
    expect(actionsWaiting('completed', 'completed', 'failure', null)).toBeNull();
    expect(actionsWaiting('completed', 'completed', 'constructor', null)).toBeNull();
  });

  it('the lookups never read inherited properties', () => {
    expect(actionsStatus('completed', 'completed', 'constructor')).toBe('info');
    expect(actionsStatus('x', '__proto__', null)).toBe('info');
    expect(pullRequestStatus('toString', null)).toBe('info');
    expect(deploymentStateStatus('hasOwnProperty')).toBe('info');
    expect(releaseStatus('valueOf')).toBe('info');
  });

  it('docs/GITHUB_WEBHOOKS.md shows exactly this table', () => {
    const docs = readFileSync(fileURLToPath(new URL('../../docs/GITHUB_WEBHOOKS.md', import.meta.url)), 'utf8');
    const actions = 'workflow_run, workflow_job, check_run, check_suite';
    const rows: string[] = [
      ...Object.entries(STATUS_TABLE.actionsAction).map(([k, s]) => `| ${actions} | action \`${k}\` | \`${s}\` |`),
      ...Object.entries(STATUS_TABLE.actionsStatus).map(([k, s]) => `| ${actions} | status \`${k}\` | \`${s}\` |`),
      ...Object.entries(STATUS_TABLE.actionsConclusion).map(([k, s]) => `| ${actions} | status \`completed\`, conclusion \`${k}\` | \`${s}\` |`),
      ...Object.entries(STATUS_TABLE.pullRequestAction).map(([k, s]) => `| pull_request | action \`${k}\` | \`${s}\` |`),
      ...Object.entries(STATUS_TABLE.deploymentState).map(([k, s]) => `| deployment_status | state \`${k}\` | \`${s}\` |`),
      ...Object.entries(STATUS_TABLE.releaseAction).map(([k, s]) => `| release | action \`${k}\` | \`${s}\` |`),
      ...Object.entries(STATUS_TABLE.event).map(([k, s]) => `| ${k} | any | \`${s}\` |`),
      '| anything else | any | `info` |',
    ];
    const tableRows = docs.split('\n').filter((line) => line.startsWith('| ') && line.includes('| `') && !line.includes('---'));
    for (const row of rows) expect(tableRows, row).toContain(row);
    expect(tableRows.filter((line) => /\| `(queued|in_progress|success|failure|cancelled|info)` \|$/.test(line))).toHaveLength(rows.length);

    // The `metadata.waiting` table, row for row.
    const waitingRows = [
      ...Object.entries(WAITING_TABLE.actionsConclusion).map(
        ([k, w]) => `| workflow_run, workflow_job, check_run and check_suite of GitHub Actions | status \`completed\`, conclusion \`${k}\` | \`"${w}"\` |`,
      ),
      ...Object.entries(WAITING_TABLE.otherAppConclusion).map(
        ([k, w]) => `| check_run, check_suite of another app | status \`completed\`, conclusion \`${k}\` | \`"${w}"\` |`,
      ),
    ];
    for (const row of waitingRows) expect(tableRows, row).toContain(row);
    expect(tableRows.filter((line) => /\| `"[a-z_]+"` \|$/.test(line))).toHaveLength(waitingRows.length);
  });
});

describe('VTID extraction order: PR title, then branch, then commit messages', () => {
  it('pull_request: the title beats the branch', () => {
    const e = normalizeDelivery(delivery('pull_request', { action: 'opened', pull_request: { title: 'VTID-2026-0042 feed', head: { ref: 'vt/dev-cicdl-0031' } } }));
    expect(e.vtid).toBe('VTID-2026-0042');
  });

  it('pull_request: the branch when the title has none (lower-case, vt/ prefix)', () => {
    const e = normalizeDelivery(delivery('pull_request', { action: 'opened', pull_request: { title: 'Feed', head: { ref: 'vt/dev-cicdl-0031-phase2' } } }));
    expect(e).toMatchObject({ vtid: 'DEV-CICDL-0031', layer: 'DEV', module: 'CICDL' });
  });

  it('workflow_run: run title, then branch, then the head commit message', () => {
    const run = (display_title: string, head_branch: string, message: string) =>
      normalizeDelivery(delivery('workflow_run', { action: 'completed', workflow_run: { display_title, head_branch, head_commit: { message } } })).vtid;
    expect(run('TEST · VTID-2026-0042', 'vt/dev-cicdl-0031', 'OPS-DB-1234')).toBe('VTID-2026-0042');
    expect(run('TEST · main', 'vt/dev-cicdl-0031', 'OPS-DB-1234')).toBe('DEV-CICDL-0031');
    expect(run('TEST · main', 'main', 'OPS-DB-1234: fix')).toBe('OPS-DB-1234');
    expect(run('TEST · main', 'main', 'Fix typo')).toBe('UNSET');
  });

  it('push: branch, then the head commit, then older commits newest first', () => {
    const push = (ref: string, messages: string[]) =>
      normalizeDelivery(
        delivery('push', {
          ref,
          commits: messages.map((message) => ({ message })),
          head_commit: messages.length ? { message: messages[messages.length - 1] } : null,
        }),
      ).vtid;
    expect(push('refs/heads/vt/ops-db-1234', ['DEV-CICDL-0031 a', 'VTID-2026-0042 b'])).toBe('OPS-DB-1234');
    expect(push('refs/heads/main', ['DEV-CICDL-0031 a', 'VTID-2026-0042 b'])).toBe('VTID-2026-0042');
    expect(push('refs/heads/main', ['DEV-CICDL-0031 a', 'OPS-DB-1234 b', 'no id'])).toBe('OPS-DB-1234');
    expect(push('refs/heads/main', ['DEV-CICDL-0031 a', 'no id', 'no id either'])).toBe('DEV-CICDL-0031');
    expect(push('refs/tags/VTID-2026-0042', [])).toBe('VTID-2026-0042');
    expect(push('refs/heads/main', [])).toBe('UNSET');
  });

  it('near misses never become ids', () => {
    const e = normalizeDelivery(delivery('pull_request', { action: 'opened', pull_request: { title: 'VTID-2026-12 and XDEV-CICDL-00311X', head: { ref: 'main' } } }));
    expect(e).toMatchObject({ vtid: 'UNSET', layer: null, module: null });
  });
});

describe('layer and module', () => {
  it('family ids fill them from their first two parts; ledger ids leave them empty', () => {
    expect(normalizeDelivery(delivery('push', { ref: 'refs/heads/vt/ops-db-1234' }))).toMatchObject({ layer: 'OPS', module: 'DB' });
    expect(normalizeDelivery(delivery('push', { ref: 'refs/heads/vt/VTID-2026-0042' }))).toMatchObject({ layer: null, module: null });
  });

  it('labels layer:X / module:Y say otherwise, and win', () => {
    const labels = [{ name: 'Layer: ops' }, { name: 'module:DB' }, { name: 'bug' }];
    const e = normalizeDelivery(delivery('pull_request', { action: 'opened', pull_request: { title: 'DEV-CICDL-0031 x', labels } }));
    expect(e).toMatchObject({ vtid: 'DEV-CICDL-0031', layer: 'OPS', module: 'DB' });
  });

  it('a label for only one of them keeps the other from the id', () => {
    const e = normalizeDelivery(delivery('pull_request', { action: 'opened', pull_request: { title: 'DEV-CICDL-0031 x', labels: [{ name: 'module:FEED' }] } }));
    expect(e).toMatchObject({ layer: 'DEV', module: 'FEED' });
  });

  it('labelOverrides reads pull request and issue labels, first one wins, ignores junk', () => {
    expect(labelOverrides({ issue: { labels: [{ name: 'layer:web' }, { name: 'layer:ops' }, { name: 'layer:' }, 'module:X', { name: 42 }] } })).toEqual({ layer: 'WEB' });
    expect(labelOverrides({ pull_request: { labels: 'not an array' } })).toEqual({});
  });

  it('a label naming a layer or module longer than an event stores (64) is no such label', () => {
    const name = (n: number) => 'L'.repeat(n);
    expect(labelOverrides({ issue: { labels: [{ name: `layer:${name(64)}` }, { name: `module:${name(64)}` }] } })).toEqual({ layer: name(64), module: name(64) });
    expect(labelOverrides({ issue: { labels: [{ name: `layer:${name(65)}` }, { name: `module:${name(3_000)}` }] } })).toEqual({});
  });
});

describe('defensive reading', () => {
  const shapes: Array<[string, Record<string, unknown>]> = [
    ['empty', {}],
    ['nulls', { action: null, repository: null, sender: null, workflow_run: null, pull_request: null, check_run: null, deployment: null, release: null }],
    ['wrong types', { action: 7, repository: 'x', sender: [], workflow_run: 'x', pull_request: 1, commits: 'x', head_commit: 5, check_suite: [], hook: 1 }],
  ];
  const events = [...SUPPORTED_EVENTS, 'issues', 'star', 'some_future_event'];

  it.each(events.flatMap((event) => shapes.map(([shape, payload]) => [event, shape, payload] as const)))('%s with %s fields still normalizes', (event, _shape, payload) => {
    const e = normalizeDelivery(delivery(event, payload));
    expect(e).toMatchObject({ kind: event, vtid: 'UNSET', externalId: 'd-1', tenant: 'system', repo: null });
    expect(['queued', 'in_progress', 'success', 'failure', 'cancelled', 'info']).toContain(e.status);
    expect(e.source).toBe(['workflow_run', 'workflow_job', 'check_run', 'check_suite'].includes(event) ? 'github.actions' : 'github');
  });

  it.each([
    ['exafyltd/vitana-platform', 'exafyltd/vitana-platform'],
    ['a/b.c_d-e', 'a/b.c_d-e'],
    [`o/${'r'.repeat(100)}`, `o/${'r'.repeat(100)}`],
    [`o/${'r'.repeat(101)}`, null],
    [`${'o'.repeat(40)}/r`, null],
    ['x'.repeat(5000), null],
    ['o/r/extra', null],
    ['-o/r', null],
    ['o/r\u0000', null],
  ])('repo is a GitHub full name or nothing: %j -> %j (the payload keeps what was sent)', (fullName, repo) => {
    const e = normalizeDelivery(delivery('push', { ref: 'refs/heads/main', repository: { full_name: fullName } }));
    expect(e.repo).toBe(repo);
    expect((e.payload as { repository: { full_name: string } }).repository.full_name).toBe(fullName);
  });

  it('an unsupported event keeps its name as kind, status info, and its title says what it was', () => {
    expect(normalizeDelivery(delivery('star', { action: 'created', repository: { full_name: 'o/r', html_url: 'https://github.com/o/r' } }))).toMatchObject({
      source: 'github',
      kind: 'star',
      status: 'info',
      title: 'star created',
      repo: 'o/r',
      url: 'https://github.com/o/r',
    });
    expect(normalizeDelivery(delivery('create', { ref: 'vt/dev-cicdl-0031', ref_type: 'branch' }))).toMatchObject({ vtid: 'DEV-CICDL-0031', ref: 'vt/dev-cicdl-0031', title: 'create' });
  });

  it('caps the title at 500 characters', () => {
    const e = normalizeDelivery(delivery('pull_request', { action: 'opened', pull_request: { title: 'x'.repeat(600) } }));
    expect(e.title).toHaveLength(500);
    expect(e.title!.endsWith('…')).toBe(true);
  });

  it('a missing action is simply absent from metadata', () => {
    expect(normalizeDelivery(delivery('push', {})).metadata).not.toHaveProperty('action');
  });
});
