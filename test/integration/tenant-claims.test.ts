import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, readMigrationFiles } from '../../runtime/db/migrate.js';
import { callerFromClaims } from '../../runtime/http/auth.js';
import { silentLogger } from '../../runtime/log.js';
import { projectRoot } from '../../runtime/paths.js';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/db.js';

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

  it('a non-string tenant claim is no tenant for the gateway (never more than the policy allows)', async () => {
    for (const extra of [{ tenant: 42 }, { tenant: { id: 'acme' } }, { tenant: ['acme'], app_metadata: { tenant: 'acme' } }]) {
      const caller = callerFromClaims({ role: 'authenticated', ...extra });
      expect(caller?.kind === 'user' ? caller.tenant : 'not a user').toBeNull();
    }
  });
});
