import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertEventsStatement } from '../../runtime/events/repository.js';
import { BACKENDS } from '../helpers/db.js';
import { json, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { userToken } from '../helpers/tokens.js';
import { generateHistory, HISTORY_DAYS, HISTORY_START } from './metrics.history.js';
import { referenceChangeLeads, referenceFourKeys, referenceRollouts, type ReferenceFilters } from './metrics.reference.js';
import type { NewEvent } from '../../runtime/events/new-event.js';

/**
 * GET /api/v1/oasis/metrics against an independent computation (metrics.reference.ts) of a generated
 * history (metrics.history.ts) stored in arrival order, several batches at a time. Also: the rollups
 * the insert trigger maintains equal the rollups rebuilt from the whole table and the reference's.
 */

const DAY = 86_400_000;
const history = generateHistory();

/** Floats through SQL and JSON: equal to 1e-6. */
function rounded(value: unknown): unknown {
  if (typeof value === 'number') return Math.round(value * 1e6) / 1e6;
  if (Array.isArray(value)) return value.map(rounded);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rounded(v)]));
  return value;
}

describe.each(BACKENDS)('GET /api/v1/oasis/metrics on %s', (backend) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ backend, clock: () => new Date(HISTORY_START + HISTORY_DAYS * DAY) });
    // Batches of 37, in shuffled order: rows of one rollout land in different statements and, with
    // the repeats, sometimes in the same one.
    for (let i = 0; i < history.length; i += 37) {
      const { sql, params } = insertEventsStatement(history.slice(i, i + 37));
      await gw.db.query(sql, params);
    }
    // The same deliveries again (idempotent by source + externalId): nothing changes.
    const { sql, params } = insertEventsStatement(history.slice(0, 50));
    await gw.db.query(sql, params);
  });
  afterAll(() => gw.close());

  const since = HISTORY_START;
  const until = HISTORY_START + HISTORY_DAYS * DAY;
  const metrics = async (query: Record<string, string>, token?: string) => {
    const res = await gw.request(`/api/v1/oasis/metrics?${new URLSearchParams(query)}`, token ? { token } : {});
    expect(res.status, await res.clone().text()).toBe(200);
    return json(res);
  };
  const window = { since: new Date(since).toISOString(), until: new Date(until).toISOString() };

  it.each<[string, Record<string, string>, ReferenceFilters]>([
    ['everything', {}, {}],
    ['one service', { service: 'gateway' }, { service: 'gateway' }],
    ['one repository (through the VTID)', { repo: 'vitana/console' }, { repo: 'vitana/console' }],
    ['one module (the per-team split)', { module: 'CICDL' }, { module: 'CICDL' }],
    ['one layer and service', { layer: 'OPS', service: 'worker' }, { layer: 'OPS', service: 'worker' }],
  ])('equals the independent computation: %s', async (_name, query, filters) => {
    const body = await metrics({ ...window, ...query });
    const expected = referenceFourKeys(history, since, until, filters);
    const { ok, window: w, filters: _f, ...figures } = body;
    expect(ok).toBe(true);
    expect(w).toEqual({ ...window, days: HISTORY_DAYS });
    expect(rounded(figures)).toEqual(rounded(expected));
    // The history is rich enough that every key has samples.
    if (Object.keys(query).length === 0) {
      expect(expected.deploymentFrequency.deployments).toBeGreaterThan(40);
      expect(expected.leadTime.samples).toBeGreaterThan(30);
      expect(expected.changeFailureRate.failed).toBeGreaterThan(5);
      expect(expected.recoveryTime.samples).toBeGreaterThan(5);
    }
  });

  it('equals it over a window inside the history, and for a tenant, who sees only its own rows', async () => {
    const mid = { since: new Date(since + 6 * DAY + 3_600_000).toISOString(), until: new Date(since + 13 * DAY).toISOString() };
    const inner = await metrics(mid);
    expect(rounded({ ...inner, ok: undefined, window: undefined, filters: undefined })).toEqual(
      rounded({ ...referenceFourKeys(history, Date.parse(mid.since), Date.parse(mid.until)), ok: undefined, window: undefined, filters: undefined }),
    );
    const tenant = await metrics(window, await userToken({ tenant: 'tenant-a' }));
    const expected = referenceFourKeys(history, since, until, { tenant: 'tenant-a' });
    expect(expected.deploymentFrequency.deployments).toBeGreaterThan(0);
    expect(rounded(tenant.deploymentFrequency)).toEqual(rounded(expected.deploymentFrequency));
    expect(rounded(tenant.leadTime)).toEqual(rounded(expected.leadTime));
    expect((await metrics(window, await userToken({ tenant: 'tenant-z' }))).deploymentFrequency.deployments).toBe(0);
  });

  const readRollups = async () => ({
    deployments: (await gw.db.query('select tenant, service, rollout, event_id, at, status, vtid, layer, module from oasis_deployments order by 1, 2, 3')).rows,
    changes: (await gw.db.query('select tenant, vtid, repo, first_at from oasis_change_starts order by 1, 2, 3')).rows,
    leads: (await gw.db.query('select tenant, vtid, deployed_at, changed_at from oasis_change_leads order by 1, 2')).rows,
  });
  const iso = (value: Date | string | null) => (value === null ? '' : new Date(value).toISOString());
  const leadsOf = (rows: unknown[]) =>
    (rows as Array<{ tenant: string; vtid: string; deployed_at: Date | null; changed_at: Date | null }>)
      .map((r) => `${r.tenant}|${r.vtid}|${iso(r.deployed_at)}|${iso(r.changed_at)}`)
      .sort();
  /** The trigger-kept rollups equal a rebuild from the whole table, and the reference's. */
  const expectRollupsOf = async (events: readonly NewEvent[]) => {
    const maintained = await readRollups();
    await gw.db.query('select public.oasis_metrics_rebuild()');
    expect(await readRollups()).toEqual(maintained);
    const shape = (rows: Array<{ tenant: string; service: string; at: number | Date; status: string; vtid: string }>) =>
      rows.map((r) => `${r.tenant}|${r.service}|${new Date(r.at).toISOString()}|${r.status}|${r.vtid}`).sort();
    expect(shape(maintained.deployments as never)).toEqual(shape(referenceRollouts(events)));
    expect(leadsOf(maintained.leads)).toEqual(referenceChangeLeads(events));
  };

  it('keeps rollups equal to a rebuild from the whole table and to the reference', async () => {
    await expectRollupsOf(history);
  });

  it('refuses a bad window with 400 and an anonymous caller with 401', async () => {
    const bad = async (query: Record<string, string>, code: string) => {
      const res = await gw.request(`/api/v1/oasis/metrics?${new URLSearchParams(query)}`);
      expect(res.status).toBe(400);
      expect(await json(res)).toMatchObject({ ok: false, error: { code } });
    };
    await bad({ since: window.until, until: window.since }, 'invalid_window');
    await bad({ since: window.since, until: window.since }, 'invalid_window');
    await bad({ since: '2024-01-01T00:00:00Z', until: '2026-01-01T00:00:00Z' }, 'invalid_window');
    await bad({ since: 'yesterday' }, 'invalid_request');
    await bad({ service: '' }, 'invalid_request');
    expect((await gw.request('/api/v1/oasis/metrics', { token: null })).status).toBe(401);
    // Defaults: the 30 days before now (the injected clock).
    expect((await metrics({})).window).toEqual({ since: new Date(until - 30 * DAY).toISOString(), until: new Date(until).toISOString(), days: 30 });
  });

  it('moves a VTID\'s first deployment later when an earlier outcome replaces its first rollout', async () => {
    // Tenant "tenant-r" only, so the figures above are untouched. Stored one statement at a time, in
    // this order: V first succeeds with r1 (day 2), then with r2 (day 3); then r1's earlier outcome
    // (day 1, a failure) replaces its success, so V's first deployment is r2's. W's only rollout r3
    // is relabelled X by an earlier outcome: W has no deployment left, X has one. Y's change comes after
    // its first deployment and Z has none: neither is a lead time sample.
    const t = (days: number) => new Date(since + days * DAY).toISOString();
    const deploy = (revision: string, vtid: string, status: 'success' | 'failure', ts: string): NewEvent => ({
      source: 'gcp.cloudrun', kind: 'deploy', status, vtid, tenant: 'tenant-r', ts, externalId: `${revision}-${ts}`,
      metadata: { service: 'gateway', revision },
    });
    const change = (vtid: string, ts: string): NewEvent => ({
      source: 'github', kind: 'pull_request', status: 'in_progress', vtid, tenant: 'tenant-r', repo: 'vitana/console', ts, externalId: `pr-${vtid}`, metadata: { action: 'opened' },
    });
    const extra = [
      change('VTID-R-V', t(0.5)), change('VTID-R-X', t(4)),
      deploy('r1', 'VTID-R-V', 'success', t(2)), deploy('r2', 'VTID-R-V', 'success', t(3)), deploy('r1', 'VTID-R-V', 'failure', t(1)),
      deploy('r3', 'VTID-R-W', 'success', t(6)), deploy('r3', 'VTID-R-X', 'success', t(5)),
      deploy('r4', 'VTID-R-Y', 'success', t(7)), change('VTID-R-Y', t(8)), deploy('r5', 'VTID-R-Z', 'success', t(9)),
    ];
    for (const event of extra) {
      const { sql, params } = insertEventsStatement([event]);
      await gw.db.query(sql, params);
    }
    const all = [...history, ...extra];
    expect(referenceChangeLeads(all).filter((l) => l.startsWith('tenant-r|'))).toEqual([
      `tenant-r|VTID-R-V|${t(3)}|${t(0.5)}`,
      `tenant-r|VTID-R-X|${t(5)}|${t(4)}`,
      `tenant-r|VTID-R-Y|${t(7)}|${t(8)}`,
      `tenant-r|VTID-R-Z|${t(9)}|`,
    ]);
    const figures = await metrics(window, await userToken({ tenant: 'tenant-r' }));
    expect(rounded(figures.leadTime)).toEqual(rounded(referenceFourKeys(all, since, until, { tenant: 'tenant-r' }).leadTime));
    await expectRollupsOf(all);
  });
});

describe.each(BACKENDS)('metrics rollups on %s', (backend) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ backend });
  });
  afterAll(() => gw.close());

  it('keys of any length: a deploy or change whose service, revision or repo is too long for an index is stored, its key cut to 200', async () => {
    // Random letters: a run of one letter compresses in the index and would hide the overflow.
    const letters = (n: number) => Array.from({ length: n }, (_, i) => String.fromCharCode(97 + ((i * 7919) % 26))).join('');
    const long = letters(3000);
    for (const body of [
      { source: 'gcp.cloudrun', kind: 'deploy', status: 'success', vtid: 'DEV-LONGK-0001', tenant: 'tenant-k', externalId: 'k1', metadata: { service: long, revision: 'r1' } },
      { source: 'gcp.cloudrun', kind: 'deploy', status: 'failure', vtid: 'DEV-LONGK-0001', tenant: 'tenant-k', externalId: 'k2', metadata: { service: 's', revision: long } },
      { source: 'github', kind: 'pull_request', status: 'in_progress', vtid: 'DEV-LONGK-0001', tenant: 'tenant-k', externalId: 'k3', repo: letters(200) },
    ]) {
      const res = await gw.request('/events/ingest', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(res.status, await res.clone().text()).toBe(201);
    }
    const rows = await gw.db.query<{ service: string; rollout: string }>(`select service, rollout from oasis_deployments where tenant = 'tenant-k'`);
    expect(rows.rows.sort((a, b) => a.service.length - b.service.length)).toEqual([
      { service: 's', rollout: long.slice(0, 200) },
      { service: long.slice(0, 200), rollout: 'r1' },
    ]);
  });

});
