import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { json, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { closedJwksUrl, signHs256, signWithKey, startJwksServer, testSigningKey, type JwksServer } from '../helpers/jwks.js';
import { userToken } from '../helpers/tokens.js';

/**
 * Supabase's current JWT signing keys (ES256/RS256, public keys from the project's JWKS) beside the
 * legacy HS256 secret, end to end: real tokens over real HTTP to the gateway, which reads the keys from
 * a JWKS server on loopback.
 */

const USER = '00000000-0000-4000-8000-00000000000a';
const userClaims = (tenant: string) => ({ role: 'authenticated', sub: USER, aud: 'authenticated', tenant, iss: 'https://abcd.supabase.co/auth/v1' });

let serial = 0;
/** Each test writes as its own tenant, so counts of one test never see another's rows. */
let tenant = '';
let testNumber = 0;
beforeEach(() => {
  testNumber += 1;
  tenant = `sk-tenant-${testNumber}`;
});
function ingest(gw: TestGateway, token: string, as = tenant): Promise<Response> {
  serial += 1;
  return gw.request('/events/ingest', {
    method: 'POST',
    token,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ source: 'agent.signing-keys', kind: 'probe', status: 'info', vtid: 'VTID-2026-0001', tenant: as, externalId: `sk-${serial}` }),
  });
}

async function rowsOf(gw: TestGateway, tenant: string): Promise<number> {
  const { rows } = await gw.db.query<{ n: number }>(`select count(*)::int as n from oasis_events where source = 'agent.signing-keys' and tenant = $1`, [tenant]);
  return rows[0]!.n;
}

async function expectRefused(response: Response, status: number, code: string): Promise<void> {
  expect(response.status).toBe(status);
  expect(await json(response)).toMatchObject({ ok: false, error: { code } });
}

const es = testSigningKey('ES256', 'es-key-1');
const rs = testSigningKey('RS256', 'rs-key-1');
const stranger = testSigningKey('ES256', 'es-key-1'); // the same kid as a published key, another key pair

// Verification does not depend on the database: the gateways here share one (each test its own tenant),
// and all start once, each with the settings one kind of test needs.
let database: TestDatabase;
let jwks: JwksServer;
let gw: Record<'main' | 'noSecret' | 'longCooldown' | 'noCache' | 'noKeys' | 'legacyOnly', TestGateway>;
beforeAll(async () => {
  database = await createTestDatabase('pglite');
  jwks = await startJwksServer([es, rs]);
  const start = (env: Record<string, string>) => startTestGateway({ env, database });
  // The first one migrates the database; the others find it current.
  const legacyOnly = await start({});
  gw = {
    legacyOnly,
    main: await start({ SUPABASE_JWKS_URL: jwks.url, SUPABASE_JWKS_COOLDOWN_MS: '0' }),
    noSecret: await start({ SUPABASE_JWKS_URL: jwks.url, SUPABASE_JWT_SECRET: '', SUPABASE_JWKS_COOLDOWN_MS: '0' }),
    longCooldown: await start({ SUPABASE_JWKS_URL: jwks.url, SUPABASE_JWKS_COOLDOWN_MS: '60000' }),
    // Cache age 0: the keys are read again before every verification.
    noCache: await start({ SUPABASE_JWKS_URL: jwks.url, SUPABASE_JWKS_CACHE_MS: '0', SUPABASE_JWKS_COOLDOWN_MS: '0' }),
    noKeys: await start({ SUPABASE_JWKS_URL: await closedJwksUrl(), SUPABASE_JWT_SECRET: '', SUPABASE_JWKS_COOLDOWN_MS: '0' }),
  };
});
afterEach(() => {
  jwks.setKeys([es, rs]);
  jwks.setDown(false);
});
afterAll(async () => {
  // They share one embedded database, which the first to stop closes.
  await Promise.allSettled(Object.values(gw).map((g) => g.close()));
  await jwks.close();
  await database.drop().catch(() => {});
});

describe('signing keys from the JWKS, beside the legacy secret', () => {
  it('ES256 and RS256 tokens are accepted end to end (write as the tenant, read back); HS256 still works with the legacy secret', async () => {
    for (const key of [es, rs]) {
      const own = `${tenant}-${key.alg}`;
      expect((await ingest(gw.main, signWithKey(key, userClaims(own)), own)).status, key.alg).toBe(201);
      expect(await rowsOf(gw.main, own)).toBe(1);
      const read = await gw.main.request('/api/v1/oasis/events?source=agent.signing-keys', { token: signWithKey(key, userClaims(own)) });
      expect(read.status).toBe(200);
      expect((await json(read)).data).toHaveLength(1);
    }
    expect((await ingest(gw.main, signWithKey(es, { role: 'service_role', sub: 'svc' }))).status).toBe(201);
    // The legacy secret (the test default SUPABASE_JWT_SECRET) still signs valid tokens.
    expect((await ingest(gw.main, await userToken({ tenant }))).status).toBe(201);
    // Row-level security judged the ES256 token's claims: its tenant may not write for another.
    await expectRefused(await ingest(gw.main, signWithKey(es, userClaims(tenant)), `${tenant}-other`), 403, 'wrong_tenant');
    expect(await rowsOf(gw.main, tenant)).toBe(2);
  });

  it('a token signed by a key not in the set is 401: an unknown kid, a published kid with another key, no kid; expired is 401 too', async () => {
    expect((await ingest(gw.main, signWithKey(es, userClaims(tenant)))).status).toBe(201);
    await expectRefused(await ingest(gw.main, signWithKey(testSigningKey('ES256', 'not-published'), userClaims(tenant))), 401, 'invalid_token');
    await expectRefused(await ingest(gw.main, signWithKey(stranger, userClaims(tenant))), 401, 'invalid_token');
    await expectRefused(await ingest(gw.main, signWithKey(es, userClaims(tenant), { kid: undefined })), 401, 'invalid_token');
    await expectRefused(await ingest(gw.main, signWithKey(es, { ...userClaims(tenant), exp: Math.floor(Date.now() / 1000) - 60 })), 401, 'token_expired');
    expect(await rowsOf(gw.main, tenant)).toBe(1);
  });

  it('a key rotated in (a new kid on the JWKS) is picked up without a restart; a revoked one stops verifying after the cache age', async () => {
    expect((await ingest(gw.main, signWithKey(es, userClaims(tenant)))).status).toBe(201);
    const rotated = testSigningKey('ES256', 'es-key-2');
    await expectRefused(await ingest(gw.main, signWithKey(rotated, userClaims(tenant))), 401, 'invalid_token');
    jwks.setKeys([rotated, es, rs]);
    expect((await ingest(gw.main, signWithKey(rotated, userClaims(tenant)))).status).toBe(201);
    // Supabase revokes the old keys: they leave the set, and a gateway whose cache is older than its age reads it again.
    expect((await ingest(gw.noCache, signWithKey(es, userClaims(tenant)))).status).toBe(201);
    jwks.setKeys([rotated]);
    await expectRefused(await ingest(gw.noCache, signWithKey(es, userClaims(tenant))), 401, 'invalid_token');
    await expectRefused(await ingest(gw.noCache, signWithKey(rs, userClaims(tenant))), 401, 'invalid_token');
    expect((await ingest(gw.noCache, signWithKey(rotated, userClaims(tenant)))).status).toBe(201);
    expect(await rowsOf(gw.main, tenant)).toBe(4);
  });

  it('random kids cannot make the gateway hammer the JWKS: no read within the cooldown', async () => {
    expect((await ingest(gw.longCooldown, signWithKey(es, userClaims(tenant)))).status).toBe(201);
    const before = jwks.requests();
    const attempts = await Promise.all(
      Array.from({ length: 20 }, () => ingest(gw.longCooldown, signWithKey(testSigningKey('ES256', randomUUID()), userClaims(tenant)))),
    );
    expect(attempts.map((res) => res.status)).toEqual(Array(20).fill(401));
    expect(jwks.requests()).toBe(before);
    expect((await ingest(gw.longCooldown, signWithKey(rs, userClaims(tenant)))).status).toBe(201);
  });

  it.each(['main', 'noSecret'] as const)(
    'alg confusion is refused (%s): HS256 "signed" with a published public key, an alg other than the key\'s, none',
    async (name) => {
      const target = gw[name];
      expect((await ingest(target, signWithKey(es, userClaims(tenant)))).status).toBe(201);
      for (const key of [es, rs]) {
        const pem = key.publicKey.export({ type: 'spki', format: 'pem' }).toString();
        for (const secret of [pem, JSON.stringify(key.jwk), key.jwk.x ?? key.jwk.n]) {
          await expectRefused(await ingest(target, signHs256(String(secret), userClaims(tenant), { kid: key.kid })), 401, 'invalid_token');
        }
      }
      // RS256 claimed for the EC key's kid, ES256 for the RSA key's: a key verifies only its own algorithm.
      await expectRefused(await ingest(target, signWithKey(rs, userClaims(tenant), { kid: es.kid })), 401, 'invalid_token');
      await expectRefused(await ingest(target, signWithKey(es, userClaims(tenant), { kid: rs.kid })), 401, 'invalid_token');
      await expectRefused(await ingest(target, signWithKey(es, userClaims(tenant), { alg: 'none' })), 401, 'invalid_token');
      expect(await rowsOf(target, tenant)).toBe(1);
    },
  );

  it('the JWKS endpoint down: the cached keys still verify; an unknown kid is 503 (nobody can tell), not 401', async () => {
    expect((await ingest(gw.noCache, signWithKey(es, userClaims(tenant)))).status).toBe(201);
    jwks.setDown(true);
    const before = jwks.requests();
    for (let i = 0; i < 3; i += 1) {
      expect((await ingest(gw.noCache, signWithKey(es, userClaims(tenant)))).status).toBe(201);
      expect((await ingest(gw.noCache, signWithKey(rs, userClaims(tenant)))).status).toBe(201);
    }
    // Every one of those tried to read the keys again (cache age 0) and fell back to the cached ones.
    expect(jwks.requests()).toBeGreaterThanOrEqual(before + 6);
    await expectRefused(await ingest(gw.noCache, signWithKey(testSigningKey('ES256', 'new-during-outage'), userClaims(tenant))), 503, 'signing_keys_unavailable');
    expect(await rowsOf(gw.noCache, tenant)).toBe(7);
    expect(gw.noCache.logs).toContainEqual(expect.objectContaining({ severity: 'WARNING', message: 'signing keys could not be read; the cached keys still verify' }));
  });

  it('no keys at all (the endpoint down from the start, no legacy secret): 503 with the JSON error body, never 500', async () => {
    const res = await ingest(gw.noKeys, signWithKey(es, userClaims(tenant)));
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await json(res)).toEqual({ ok: false, error: { code: 'signing_keys_unavailable', message: expect.any(String) } });
    await expectRefused(await gw.noKeys.request('/api/v1/oasis/events', { token: signWithKey(rs, userClaims(tenant)) }), 503, 'signing_keys_unavailable');
    // HS256 has nothing to be checked against here: 401, never accepted.
    await expectRefused(await ingest(gw.noKeys, await userToken({ tenant })), 401, 'invalid_token');
    expect(await rowsOf(gw.noKeys, tenant)).toBe(0);
  });
});

describe('without signing keys configured', () => {
  it('asymmetric tokens are 401 and HS256 works as before', async () => {
    await expectRefused(await ingest(gw.legacyOnly, signWithKey(es, userClaims(tenant))), 401, 'invalid_token');
    expect((await ingest(gw.legacyOnly, await userToken({ tenant }))).status).toBe(201);
  });
});
