import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Supabase's signing keys, here: ES256 and RS256 key pairs made with node:crypto, a JWKS endpoint on
 * loopback that serves their public halves the way `<project>/auth/v1/.well-known/jwks.json` does, and
 * tokens signed with node:crypto directly (not with the library the gateway verifies with).
 */

export type TestAlgorithm = 'ES256' | 'RS256';

export interface TestSigningKey {
  kid: string;
  alg: TestAlgorithm;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The public key as the JWKS lists it (kid, alg, use). */
  jwk: Record<string, unknown>;
}

export function testSigningKey(alg: TestAlgorithm, kid: string): TestSigningKey {
  const { privateKey, publicKey } =
    alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, alg, privateKey, publicKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' } };
}

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

/** A compact JWS with exactly this header, signed by `signer` over `header.payload`. */
export function rawToken(header: Record<string, unknown>, claims: Record<string, unknown>, signer: (data: string) => Buffer): string {
  const data = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify({ iat: now(), exp: now() + 3600, ...claims }))}`;
  return `${data}.${signer(data).toString('base64url')}`;
}

/** A token as Supabase Auth issues it with a signing key: `{alg, kid, typ: "JWT"}`. */
export function signWithKey(key: TestSigningKey, claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  return rawToken({ alg: key.alg, kid: key.kid, typ: 'JWT', ...header }, claims, (data) =>
    // JWS wants ECDSA signatures as r || s (IEEE P1363), not DER.
    key.alg === 'ES256' ? sign('sha256', Buffer.from(data), { key: key.privateKey, dsaEncoding: 'ieee-p1363' }) : sign('sha256', Buffer.from(data), key.privateKey),
  );
}

/** An HS256 token whose HMAC key is `secret` (for alg-confusion attempts: a public key's PEM or JWK text). */
export function signHs256(secret: string, claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  return rawToken({ alg: 'HS256', typ: 'JWT', ...header }, claims, (data) => createHmac('sha256', secret).update(data).digest());
}

export interface JwksServer {
  url: string;
  /** How many times the JWKS was asked for. */
  requests(): number;
  /** The keys served from now on. */
  setKeys(keys: TestSigningKey[]): void;
  /** The `keys` entries served from now on, as given: for a set holding entries that are not keys at all. */
  setEntries(entries: unknown[]): void;
  /** `down`: every request answers 503 (an outage of the endpoint). */
  setDown(down: boolean): void;
  close(): Promise<void>;
}

export async function startJwksServer(keys: TestSigningKey[]): Promise<JwksServer> {
  let served: unknown[] = keys.map((key) => key.jwk);
  let down = false;
  let count = 0;
  const server: Server = createServer((req, res) => {
    count += 1;
    if (down) {
      res.writeHead(503, { 'content-type': 'application/json' }).end('{"message":"unavailable"}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=600' });
    res.end(JSON.stringify({ keys: served }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/auth/v1/.well-known/jwks.json`,
    requests: () => count,
    setKeys: (next) => {
      served = next.map((key) => key.jwk);
    },
    setEntries: (entries) => {
      served = entries;
    },
    setDown: (value) => {
      down = value;
    },
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/** A loopback URL where nothing listens: a JWKS endpoint that is down from the start. */
export async function closedJwksUrl(): Promise<string> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return `http://127.0.0.1:${port}/auth/v1/.well-known/jwks.json`;
}
