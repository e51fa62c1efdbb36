import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../runtime/core/log.js';
import { JwksKeySet, signingAlgorithmOf } from '../../runtime/http/jwks.js';
import { startJwksServer, testSigningKey, type JwksServer } from '../helpers/jwks.js';

/** Which algorithm a published key may verify: derived from the key, a stated `alg` may only agree. */
describe('signingAlgorithmOf', () => {
  it.each([
    [{ kty: 'EC', crv: 'P-256', kid: 'a' }, 'ES256'],
    [{ kty: 'EC', crv: 'P-256', kid: 'a', alg: 'ES256', use: 'sig', key_ops: ['verify'] }, 'ES256'],
    [{ kty: 'RSA', kid: 'a', alg: 'RS256' }, 'RS256'],
    [{ kty: 'OKP', crv: 'Ed25519', kid: 'a', alg: 'EdDSA' }, 'EdDSA'],
  ] as const)('%j verifies %s', (jwk, alg) => {
    expect(signingAlgorithmOf(jwk)).toBe(alg);
  });

  it.each([
    ['a symmetric key (alg confusion)', { kty: 'oct', k: 'c2VjcmV0', kid: 'a', alg: 'HS256' }],
    ['a stated alg that disagrees with the key type', { kty: 'EC', crv: 'P-256', kid: 'a', alg: 'RS256' }],
    ['an RSA key stated for another padding', { kty: 'RSA', kid: 'a', alg: 'PS256' }],
    ['a curve we do not verify', { kty: 'EC', crv: 'P-384', kid: 'a' }],
    ['an encryption key', { kty: 'RSA', kid: 'a', use: 'enc' }],
    ['key_ops without verify', { kty: 'RSA', kid: 'a', key_ops: ['encrypt'] }],
    ['no kid', { kty: 'RSA' }],
  ])('%s verifies nothing', (_name, jwk) => {
    expect(signingAlgorithmOf(jwk)).toBeNull();
  });
});

/** A published set read over HTTP: entries that are not JSON objects are no keys, and spoil nothing. */
describe('JwksKeySet', () => {
  const key = testSigningKey('ES256', 'kid-es');
  let server: JwksServer;
  beforeAll(async () => {
    server = await startJwksServer([]);
  });
  afterAll(() => server.close());

  it('skips an array, null, text and a number in `keys`, and still verifies with the key beside them', async () => {
    // The array even holds the key: a list of keys is not a key.
    server.setEntries([[key.jwk], null, 'kid-es', 7, key.jwk]);
    const logger = createMemoryLogger();
    const keys = new JwksKeySet({ url: server.url, cacheMs: 60_000, cooldownMs: 60_000, logger });
    const found = await keys.lookup('kid-es');
    expect(found).toMatchObject({ outcome: 'found', key: { kid: 'kid-es', alg: 'ES256' } });
    expect(logger.lines.filter((line) => line.message === 'signing keys loaded')).toMatchObject([{ kids: ['kid-es'], skipped: 4 }]);
    expect(await keys.lookup('0')).toEqual({ outcome: 'unknown_kid' });
  });
});
