import { describe, expect, it } from 'vitest';
import { signingAlgorithmOf } from '../../runtime/http/jwks.js';

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
