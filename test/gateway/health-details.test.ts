import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_PG } from '../helpers/db.js';
import { json, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { signToken, userToken } from '../helpers/tokens.js';

/**
 * Issue 12 #9: the health routes tell anyone whether the service is up, and only the service role
 * its counters and rejection codes (they tell an attacker what is refused and why).
 */

let gw: TestGateway;
beforeAll(async () => {
  // Either backend answers the same; a real server starts faster than the embedded one.
  gw = await startTestGateway({ backend: HAS_PG ? 'pg' : 'pglite' });
  // Something to count: one refused delivery.
  await fetch(`${gw.url}/webhooks/github`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
});
afterAll(() => gw.close());

describe.each([
  ['/webhooks/health', { secretConfigured: true, rejectedByCode: expect.objectContaining({ signature_missing: 1 }) }],
  ['/vtid/health', { service: 'vtid-ledger', year: expect.any(Number), issuedThisYear: expect.any(Number) }],
])('GET %s', (path, details) => {
  it('anonymous: only that it is up', async () => {
    const res = await gw.request(path, { token: null });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ ok: true });
  });

  it('a user token (even an admin of a tenant): only that it is up', async () => {
    for (const token of [await userToken({ tenant: 'alpha' }), await userToken({ tenant: 'alpha', admin: true })]) {
      const res = await gw.request(path, { token });
      expect(res.status).toBe(200);
      expect(await json(res)).toEqual({ ok: true });
    }
  });

  it('a service-role token: the details', async () => {
    const res = await gw.request(path);
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ ok: true, ...details });
  });

  it('a token that is sent is checked: a bad signature is 401, not silently anonymous', async () => {
    const res = await gw.request(path, { token: await signToken({ role: 'service_role' }, 'another-secret-that-is-at-least-32-characters') });
    expect(res.status).toBe(401);
    expect((await json(res)).error.code).toBe('invalid_token');
  });
});
