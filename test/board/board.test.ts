import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/db.js';
import { json, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { deliverRun } from '../helpers/workflow-runs.js';
import { userToken } from '../helpers/tokens.js';

/** GET /api/v1/oasis/board over real HTTP: signed workflow_run deliveries and Cloud Run deploy events. */

describe.each(BACKENDS)('GET /api/v1/oasis/board on %s', (backend) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ backend });
  });
  afterAll(() => gw.close());

  const tsOf = async (id: number) => new Date((await gw.db.query<{ ts: Date }>('select ts from oasis_events where id = $1', [id])).rows[0]!.ts).toISOString();
  const deploy = async (service: string, revision: string, status: string) => {
    const res = await gw.request('/events/ingest', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ source: 'gcp.cloudrun', kind: 'deploy', status, vtid: 'DEV-CICDL-0031', metadata: { service, revision, log: 'system_event' }, url: `https://console.cloud.google.com/run/detail/us-central1/${service}/revisions?project=p` }),
    });
    expect(res.status).toBe(201);
    return (await json(res)).id as number;
  };

  it('shows each workflow and service once, red since the first failure after the last success, whatever the arrival order', async () => {
    await deliverRun(gw.url, 10, 'success');
    const firstFailure = await deliverRun(gw.url, 11, 'failure');
    await deliverRun(gw.url, 12, 'failure');
    await deliverRun(gw.url, 12, 'in_progress'); // late: run 12 has finished
    await deliverRun(gw.url, 13, 'in_progress');
    await deliverRun(gw.url, 5, 'success', 'DEPLOY');
    await deploy('gateway', 'gateway-00001', 'success');
    const broke = await deploy('gateway', 'gateway-00002', 'failure');
    await deploy('worker', 'worker-00001', 'success');

    const board = await json(await gw.request('/api/v1/oasis/board'));
    expect(board.workflows.map((r: { name: string; status: string; outcome: string }) => [r.name, r.status, r.outcome])).toEqual([
      ['TEST', 'in_progress', 'failure'],
      ['DEPLOY', 'success', 'success'],
    ]);
    expect(board.workflows[0]).toMatchObject({ repo: 'vitana-platform/vitana-oasis', since: await tsOf(firstFailure), attempts: 4, linkText: 'TEST run #13', vtid: 'DEV-CICDL-0031' });
    expect(board.services.map((r: { name: string; status: string }) => [r.name, r.status])).toEqual([
      ['gateway', 'failure'],
      ['worker', 'success'],
    ]);
    expect(board.services[0]).toMatchObject({ since: await tsOf(broke), linkText: 'Cloud Run gateway revision gateway-00002' });

    // Fixed: green again, since the fix.
    const fixed = await deliverRun(gw.url, 13, 'success');
    const after = await json(await gw.request('/api/v1/oasis/board?repo=vitana-platform/vitana-oasis'));
    expect(after.workflows.find((r: { name: string }) => r.name === 'TEST')).toMatchObject({ status: 'success', outcome: 'success', since: await tsOf(fixed) });
  });

  it('filters by status, service and module, and answers a tenant with its own rows only', async () => {
    const red = await json(await gw.request('/api/v1/oasis/board?status=failure'));
    expect(red.workflows).toEqual([]);
    expect(red.services.map((r: { name: string }) => r.name)).toEqual(['gateway']);
    const worker = await json(await gw.request('/api/v1/oasis/board?service=worker'));
    expect(worker.services.map((r: { name: string }) => r.name)).toEqual(['worker']);
    expect((await json(await gw.request('/api/v1/oasis/board?module=NOPE'))).workflows).toEqual([]);
    const tenant = await json(await gw.request('/api/v1/oasis/board', { token: await userToken({ tenant: 'tenant-a' }) }));
    expect(tenant).toMatchObject({ workflows: [], services: [] });
    expect((await gw.request('/api/v1/oasis/board?days=0')).status).toBe(400);
    expect((await gw.request('/api/v1/oasis/board?status=red')).status).toBe(400);
    expect((await gw.request('/api/v1/oasis/board', { token: null })).status).toBe(401);
  });
});
