import { z } from 'zod';
import type { Logger } from '../core/log.js';
import { isJsonObject, type JsonObject } from '../core/object.js';

/**
 * Supabase's signing keys: the public keys of a project's asymmetric JWT signing keys, published as a
 * JWKS at `<project>/auth/v1/.well-known/jwks.json` (Supabase serves it with a 10-minute cache).
 *
 * - Keys are fetched once, kept, and each imported once into a CryptoKey for its one algorithm.
 * - A token naming an unknown `kid` causes a fetch (a key rotated in since), but at most one per
 *   cooldown: random `kid`s cannot make us hammer the endpoint. Concurrent lookups share one fetch.
 * - Keys older than the cache age are read again before they verify, so a key Supabase revoked
 *   stops verifying after at most that age.
 * - A failed fetch keeps the cached keys: an outage of the endpoint never logs anybody out. It is
 *   tried again after a second (or the cooldown, when shorter): a failed first read must not leave the
 *   gateway without keys for a whole cooldown.
 */

/** The algorithms a signing key may verify; each key verifies exactly one, derived from the key itself. */
export type SigningAlgorithm = 'ES256' | 'RS256' | 'EdDSA';

export interface SigningKey {
  kid: string;
  alg: SigningAlgorithm;
  key: CryptoKey;
}

export type KeyLookup =
  | { outcome: 'found'; key: SigningKey }
  /** The current key set does not hold it. */
  | { outcome: 'unknown_kid' }
  /** The keys could not be read, so nobody can tell. */
  | { outcome: 'keys_unavailable' };

export interface KeySource {
  lookup(kid: string): Promise<KeyLookup>;
}

const JwksSchema = z.object({ keys: z.array(z.unknown()) });

type Jwk = JsonObject;

const IMPORT_PARAMS: Record<SigningAlgorithm, RsaHashedImportParams | EcKeyImportParams | Algorithm> = {
  RS256: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  ES256: { name: 'ECDSA', namedCurve: 'P-256' },
  EdDSA: { name: 'Ed25519' },
};

/**
 * Pure: the one algorithm a JWK verifies, from its key type and curve (`kty`, `crv`); a stated `alg`
 * must agree, never widen. Null for anything else: symmetric (`oct`) keys above all, so no token can
 * have its HMAC checked against a published key.
 */
export function signingAlgorithmOf(jwk: Jwk): SigningAlgorithm | null {
  if (typeof jwk.kid !== 'string' || jwk.kid === '') return null;
  if (jwk.use !== undefined && jwk.use !== 'sig') return null;
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify'))) return null;
  const stated = jwk.alg;
  const agrees = (alg: SigningAlgorithm, ...aliases: string[]) => (stated === undefined || stated === alg || aliases.includes(stated as string) ? alg : null);
  if (jwk.kty === 'RSA') return agrees('RS256');
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return agrees('ES256');
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return agrees('EdDSA', 'Ed25519');
  return null;
}

/** Only the public members: a JWKS that carried a private part is not passed on to importKey. */
function publicPart(jwk: Jwk): JsonWebKey {
  const { kty, n, e, crv, x, y } = jwk as JsonWebKey;
  return Object.fromEntries(Object.entries({ kty, n, e, crv, x, y }).filter(([, value]) => value !== undefined)) as JsonWebKey;
}

async function importSigningKey(jwk: Jwk): Promise<SigningKey | null> {
  const alg = signingAlgorithmOf(jwk);
  if (alg === null) return null;
  try {
    const key = await crypto.subtle.importKey('jwk', publicPart(jwk), IMPORT_PARAMS[alg], false, ['verify']);
    return { kid: jwk.kid as string, alg, key };
  } catch {
    return null;
  }
}

export interface JwksOptions {
  url: string;
  /** Keys older than this are re-read in the background. */
  cacheMs: number;
  /** At least this long between two fetches that unknown `kid`s or failures cause. */
  cooldownMs: number;
  logger: Logger;
  /** One fetch's limit: a hanging endpoint must not hold requests. */
  fetchTimeoutMs?: number;
  now?: () => number;
}

const DEFAULT_FETCH_TIMEOUT_MS = 5_000;
const RETRY_AFTER_FAILURE_MS = 1_000;

export class JwksKeySet implements KeySource {
  private keys = new Map<string, SigningKey>();
  private loadedAt: number | null = null;
  private lastAttemptAt: number | null = null;
  private lastAttemptFailed = false;
  private inFlight: Promise<void> | null = null;
  private readonly now: () => number;

  constructor(private readonly options: JwksOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Starts the first fetch without waiting for it, so the first caller finds the keys there. */
  warm(): void {
    if (this.mayFetch()) void this.refresh();
  }

  async lookup(kid: string): Promise<KeyLookup> {
    const cached = this.keys.get(kid);
    if (cached && !this.stale()) return { outcome: 'found', key: cached };
    if (this.mayFetch()) await this.refresh();
    const key = this.keys.get(kid);
    if (key) return { outcome: 'found', key };
    return { outcome: this.lastAttemptFailed ? 'keys_unavailable' : 'unknown_kid' };
  }

  private stale(): boolean {
    return this.loadedAt !== null && this.now() - this.loadedAt >= this.options.cacheMs;
  }

  /** A fetch under way may always be joined; a new one only after the cooldown (shorter after a failure). */
  private mayFetch(): boolean {
    if (this.inFlight !== null || this.lastAttemptAt === null) return true;
    const wait = this.lastAttemptFailed ? Math.min(this.options.cooldownMs, RETRY_AFTER_FAILURE_MS) : this.options.cooldownMs;
    return this.now() - this.lastAttemptAt >= wait;
  }

  private refresh(): Promise<void> {
    this.inFlight ??= this.fetchKeys().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async fetchKeys(): Promise<void> {
    this.lastAttemptAt = this.now();
    const { url, logger } = this.options;
    try {
      const response = await fetch(url, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(this.options.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const parsed = JwksSchema.safeParse(await response.json());
      if (!parsed.success) throw new Error('the answer is not a JWKS ({"keys": [...]})');
      // An entry that is not a JSON object (null, text, an array) is no key: skipped, as unusable keys are.
      const imported = await Promise.all(parsed.data.keys.map((jwk) => (isJsonObject(jwk) ? importSigningKey(jwk) : null)));
      const keys = new Map(imported.filter((key): key is SigningKey => key !== null).map((key) => [key.kid, key]));
      const changed = keys.size !== this.keys.size || [...keys.keys()].some((kid) => !this.keys.has(kid));
      // What the endpoint says now is the truth: a key it no longer lists (revoked) stops verifying.
      this.keys = keys;
      this.loadedAt = this.now();
      this.lastAttemptFailed = false;
      if (changed) {
        logger.info('signing keys loaded', { url, kids: [...keys.keys()], skipped: parsed.data.keys.length - keys.size });
      }
    } catch (error) {
      this.lastAttemptFailed = true;
      logger.warn('signing keys could not be read; the cached keys still verify', {
        url,
        reason: error instanceof Error ? error.message : String(error),
        cachedKeys: this.keys.size,
      });
    }
  }
}
