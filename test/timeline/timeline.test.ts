import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/db.js';
import { json, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { githubFixture, postWebhook } from '../helpers/github.js';
import { userToken } from '../helpers/tokens.js';
import { newTask, patchTask } from '../ledger/ledger.helpers.js';

/**
 * GET /vtid/{vtid}/timeline over real HTTP: signed GitHub deliveries (out of order and repeated),
 * Cloud Run deploy events as the watcher posts them, ledger tasks; family and ledger ids; tenancy.
 * Every response is checked against the OpenAPI document by the test gateway's request().
 */

const FAMILY = 'DEV-CICDL-0031';

async function deliver(gw: TestGateway, fixture: string, deliveryId?: string): Promise<Record<string, any>> {
  const res = await postWebhook(gw.url, { ...githubFixture(fixture), ...(deliveryId ? { deliveryId } : {}) });
  expect(res.status).toBe(200);
  return json(res);
}

async function ingest(gw: TestGateway, body: Record<string, unknown>, token?: string): Promise<number> {
  const res = await gw.request('/events/ingest', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), ...(token ? { token } : {}) });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await json(res)).id as number;
}

const cloudRun = (status: string, revision: string, ts: string, externalId: string, vtid = FAMILY) => ({
  source: 'gcp.cloudrun',
  kind: 'deploy',
  status,
  vtid,
  ts,
  externalId,
  title: `Deploy gateway rev ${revision}: ${status}`,
  url: 'https://console.cloud.google.com/run/detail/us-central1/gateway/revisions?project=vitana-dev',
  metadata: { log: status === 'in_progress' ? 'activity' : 'system_event', service: 'gateway', revision, region: 'us-central1' },
});

describe.each(BACKENDS)('GET /vtid/{vtid}/timeline on %s', (backend) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ backend });
  });
  afterAll(() => gw.close());

  it('groups a family id’s deliveries into phases, whatever order and however often they arrive', async () => {
    // completed before in_progress, and the completed one delivered again (same GUID: stored once).
    const completed = await deliver(gw, 'workflow_run.completed', 'guid-run-completed');
    await deliver(gw, 'workflow_run.in_progress');
    expect(await deliver(gw, 'workflow_run.completed', 'guid-run-completed')).toMatchObject({ id: completed.id, duplicate: true });
    await deliver(gw, 'pull_request.closed-merged');
    await deliver(gw, 'pull_request.opened');
    await ingest(gw, cloudRun('in_progress', 'gateway-00012-abc', '2026-03-02T10:05:00Z', 'insert-1'));
    await ingest(gw, cloudRun('success', 'gateway-00012-abc', '2026-03-02T10:06:30Z', 'insert-2'));

    const res = await gw.request(`/vtid/${FAMILY.toLowerCase()}/timeline`);
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({ ok: true, vtid: FAMILY, kind: 'family', ledger: { entry: null, parent: null, children: [] }, truncated: false });
    expect(body.phases.map((p: { phase: string }) => p.phase)).toEqual(['change', 'ci', 'deploy']);
    const steps = Object.fromEntries(body.phases.flatMap((p: { steps: Array<{ id: string }> }) => p.steps).map((s: { id: string }) => [s.id, s]));
    // The fixtures' own times: run_started_at 09:14:07, updated_at 09:17:45.
    expect(steps['run:13458021977:1']).toMatchObject({
      status: 'success',
      startedAt: '2026-03-02T09:14:07.000Z',
      endedAt: '2026-03-02T09:17:45.000Z',
      durationSeconds: 218,
      url: 'https://github.com/vitana-platform/vitana-oasis/actions/runs/13458021977',
      linkText: 'TEST run #214',
    });
    expect(steps['pr:vitana-platform/vitana-oasis#57']).toMatchObject({ status: 'success', startedAt: '2026-03-02T09:13:59.000Z', endedAt: '2026-03-02T10:02:10.000Z', linkText: 'vitana-platform/vitana-oasis#57' });
    expect(steps['cloudrun:gateway:gateway-00012-abc']).toMatchObject({ status: 'success', durationSeconds: 90 });
    expect(body.durations).toMatchObject({
      reviewSeconds: 2891,
      ci: [{ workflow: 'TEST', runs: 1, lastStatus: 'success', lastSeconds: 218, totalSeconds: 218 }],
      firstChangeAt: '2026-03-02T09:13:59.000Z',
      firstSuccessfulDeployAt: '2026-03-02T10:06:30.000Z',
      leadTimeSeconds: 3151,
      firstFailureAt: null,
    });
    // Oldest first, each stored event once.
    const ts = body.events.map((e: { ts: string }) => e.ts);
    expect([...ts].sort()).toEqual(ts);
    expect(body.events.filter((e: { id: number }) => e.id === completed.id)).toHaveLength(1);
  });

  it('shows a ledger id with its parent, children and lifecycle', async () => {
    const parent = await newTask(gw, { description: 'the parent' });
    const vtid = await newTask(gw, { description: 'the child', parentVtid: parent });
    const grandchild = await newTask(gw, { description: 'the grandchild', parentVtid: vtid });
    expect((await patchTask(gw, vtid, { status: 'active' })).status).toBe(200);
    expect((await patchTask(gw, vtid, { status: 'complete' })).status).toBe(200);
    const body = await json(await gw.request(`/vtid/${vtid}/timeline`));
    expect(body).toMatchObject({ vtid, kind: 'ledger', ledger: { entry: { vtid, parentVtid: parent }, parent: { vtid: parent }, children: [{ vtid: grandchild }], moreChildren: false } });
    expect(body.phases).toHaveLength(1);
    expect(body.phases[0].steps[0]).toMatchObject({ phase: 'task', status: 'success' });
    expect(body.phases[0].steps[0].marks.map((m: { state: string }) => m.state)).toEqual(['pending', 'active', 'complete']);
  });

  it('answers only what the caller may read: 404 for another tenant’s family id, the open ledger but no events for a ledger id, 401 without a token', async () => {
    const tokenA = await userToken({ tenant: 'tenant-a' });
    const tokenB = await userToken({ tenant: 'tenant-b' });
    await ingest(gw, { source: 'agent.builder', kind: 'task.progress', status: 'in_progress', vtid: 'OPS-TENNT-0001', title: 'A only' }, tokenA);
    const ledgerVtid = await newTask(gw, { description: 'a platform task' });
    await ingest(gw, { source: 'agent.builder', kind: 'task.progress', vtid: ledgerVtid, title: 'platform work' });

    expect((await gw.request('/vtid/OPS-TENNT-0001/timeline', { token: tokenA })).status).toBe(200);
    const hidden = await gw.request('/vtid/OPS-TENNT-0001/timeline', { token: tokenB });
    expect(hidden.status).toBe(404);
    expect(await json(hidden)).toMatchObject({ ok: false, error: { code: 'vtid_not_found' } });
    // The same answer as for a VTID nothing carries: another tenant's task does not show it exists.
    expect(await json(await gw.request('/vtid/OPS-NONE-0009/timeline', { token: tokenB }))).toMatchObject({ error: { code: 'vtid_not_found' } });
    // System events stay with the platform; tenant A sees the system tenant's events not at all.
    expect((await gw.request(`/vtid/${FAMILY}/timeline`, { token: tokenA })).status).toBe(404);
    // The ledger is readable by every tenant (policies/002); its events are not.
    const ledger = await json(await gw.request(`/vtid/${ledgerVtid}/timeline`, { token: tokenB }));
    expect(ledger).toMatchObject({ ledger: { entry: { vtid: ledgerVtid } }, phases: [], events: [] });
    expect((await json(await gw.request(`/vtid/${ledgerVtid}/timeline`))).events.length).toBe(2);

    const anonymous = await gw.request(`/vtid/${FAMILY}/timeline`, { token: null });
    expect(anonymous.status).toBe(401);
    expect((await gw.request('/vtid/UNSET/timeline')).status).toBe(400);
    expect((await gw.request('/vtid/not-a-task/timeline')).status).toBe(400);
  });
});
