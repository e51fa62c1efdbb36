import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, readMigrationFiles } from '../../runtime/db/migrate.js';
import { callerFromClaims } from '../../runtime/http/auth.js';
import { silentLogger } from '../../runtime/core/log.js';
import { projectRoot } from '../../runtime/core/project-root.js';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { json, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { signToken } from '../helpers/tokens.js';

/**
 * The gateway reads the caller's tenant from the claims itself (the live feed's per-client check, the
 * default tenant of a write), while row-level security reads it in SQL (public.oasis_jwt_tenant()).
 * The two must never disagree, or the live feed would show rows the policy hides.
 */

const CASES: Array<[string, Record<string, unknown>]> = [
  ['top-level tenant', { tenant: 'acme' }],
  ['app_metadata.tenant', { app_metadata: { tenant: 'acme' } }],
  ['both: the top-level claim wins', { tenant: 'acme', app_metadata: { tenant: 'other' } }],
  ['an empty top-level claim still wins', { tenant: '', app_metadata: { tenant: 'acme' } }],
  ['a null top-level claim falls through', { tenant: null, app_metadata: { tenant: 'acme' } }],
  ['app_metadata that is not an object', { app_metadata: 'acme' }],
  ['no tenant at all', {}],
  // Not strings: no tenant on both sides (the gateway also refuses such tokens, see below).
  ['a number', { tenant: 5 }],
  ['an array', { tenant: ['beta'] }],
  ['an object', { tenant: { id: 'acme' } }],
  ['a boolean', { tenant: true }],
  ['a number in app_metadata', { app_metadata: { tenant: 5 } }],
  ['a non-string top-level claim still decides', { tenant: ['acme'], app_metadata: { tenant: 'acme' } }],
];

/** Tokens whose deciding tenant claim is not a string, and the body tenant its JSON text would be in SQL. */
const MALFORMED: Array<[string, Record<string, unknown>, string]> = [
  ['tenant 5', { tenant: 5 }, '5'],
  ['tenant ["beta"]', { tenant: ['beta'] }, '["beta"]'],
  ['app_metadata.tenant 5', { app_metadata: { tenant: 5 } }, '5'],
];

describe.each(BACKENDS)('tenant claims on %s', (backend) => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await createTestDatabase(backend);
    await migrate(test.db, readMigrationFiles(projectRoot()), silentLogger);
  });
  afterAll(() => test.drop());

  const sqlTenant = (claims: Record<string, unknown>) =>
    test.db.transaction(async (tx) => {
      await tx.query(`select set_config('request.jwt.claims', $1, true)`, [JSON.stringify(claims)]);
      const { rows } = await tx.query<{ tenant: string | null }>('select public.oasis_jwt_tenant() as tenant');
      return rows[0]!.tenant;
    });

  it.each(CASES)('%s: the gateway reads the tenant the policy reads', async (_name, extra) => {
    const claims = { role: 'authenticated', sub: 'u', ...extra };
    const caller = callerFromClaims(claims);
    expect(caller?.kind).toBe('user');
    expect(caller?.kind === 'user' ? caller.tenant : undefined).toBe(await sqlTenant(claims));
  });

  it.each(MALFORMED)('SQL: an authenticated caller with %s cannot insert a row with the claim\'s JSON text as tenant', async (_name, extra, tenant) => {
    const claims = { role: 'authenticated', sub: 'u', ...extra };
    const insert = test.db.transaction(async (tx) => {
      await tx.query(`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', $1, true)`, [JSON.stringify(claims)]);
      await tx.query(`insert into public.oasis_events (source, kind, status, vtid, tenant) values ('sql', 'probe', 'info', 'UNSET', $1)`, [tenant]);
    });
    await expect(insert).rejects.toThrow(/row-level security/);
    const { rows } = await test.db.query<{ n: number }>('select count(*)::int as n from public.oasis_events where tenant = $1', [tenant]);
    expect(rows[0]!.n).toBe(0);
  });
});

describe.each(BACKENDS)('tokens with a non-string tenant claim, through the gateway on %s', (backend) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ backend });
  });
  afterAll(() => gw.close());

  it.each(MALFORMED)('%s: 403 invalid_tenant_claim for a write naming the claim\'s JSON text as tenant, and no row', async (_name, extra, tenant) => {
    const token = await signToken({ role: 'authenticated', sub: '00000000-0000-4000-8000-000000000009', ...extra });
    const res = await gw.request('/events/ingest', {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ source: 'agent.crafted', kind: 'probe', status: 'info', vtid: 'VTID-2026-0001', tenant }),
    });
    expect(res.status).toBe(403);
    expect(await json(res)).toMatchObject({ ok: false, error: { code: 'invalid_tenant_claim' } });
    const { rows } = await gw.db.query<{ n: number }>('select count(*)::int as n from oasis_events where tenant = $1', [tenant]);
    expect(rows[0]!.n).toBe(0);
  });

  it('reads are refused the same way', async () => {
    const token = await signToken({ role: 'authenticated', sub: 'u', tenant: 5 });
    const res = await gw.request('/api/v1/oasis/events', { token });
    expect(res.status).toBe(403);
    expect(await json(res)).toMatchObject({ error: { code: 'invalid_tenant_claim' } });
  });

  it('a string tenant claim still writes for its own tenant', async () => {
    const token = await signToken({ role: 'authenticated', sub: 'u', tenant: '5' });
    const res = await gw.request('/events/ingest', {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ source: 'agent.crafted', kind: 'probe', status: 'info', vtid: 'VTID-2026-0001', tenant: '5', externalId: 'string-5' }),
    });
    expect(res.status).toBe(201);
  });
});
