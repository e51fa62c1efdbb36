import { z } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { verify } from 'hono/jwt';
import { decodeHeader } from 'hono/utils/jwt/jwt';
import type { SignatureKey } from 'hono/utils/jwt/jws';
import { JwtTokenExpired, JwtTokenSignatureMismatched } from 'hono/utils/jwt/types';
import type { Caller } from '../core/caller.js';
import { asObject } from '../core/object.js';
import type { AppEnv } from './env.js';
import { apiError, forbidden, unauthorized } from './errors.js';
import type { KeySource, SigningAlgorithm } from './jwks.js';

export type Access = 'read' | 'write';

export interface AuthOptions {
  /** Verifies a bearer token and returns its claims, or throws the ApiError to answer with. */
  verifyToken: TokenVerifier;
  /** OASIS_PUBLIC_READ: reads without a token are allowed. */
  publicRead: boolean;
}

export type TokenVerifier = (token: string) => Promise<Record<string, unknown>>;

export interface VerifierOptions {
  /** SUPABASE_JWT_SECRET: HS256 tokens are accepted only when it is set. */
  legacySecret?: string;
  /** The project's signing keys: ES256/RS256 (and EdDSA) tokens are accepted only when they are set. */
  signingKeys?: KeySource;
}

function stringClaim(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

/**
 * The claim that decides the tenant, exactly as `public.oasis_jwt_tenant()` (policies/007) picks it, so
 * the live feed's own check (feed/audience.ts) and the ingest default never differ from row-level
 * security: the top-level `tenant` claim whenever it is present (even as ""), else `app_metadata.tenant`.
 */
function decidingTenantClaim(claims: Record<string, unknown>): unknown {
  if (claims.tenant !== undefined && claims.tenant !== null) return claims.tenant;
  return asObject(claims.app_metadata)?.tenant ?? null;
}

/** The tenant: a deciding claim that is not a string (`5`, `["beta"]`) is no tenant, in SQL as here. */
function tenantClaim(claims: Record<string, unknown>): string | null {
  const value = decidingTenantClaim(claims);
  return typeof value === 'string' ? value : null;
}

/**
 * A tenant claim that is there but not a string: the token's issuer made a mistake (or someone hopes
 * we read `5` as "5"). Such a token is refused rather than served as "no tenant".
 */
export function hasMalformedTenantClaim(claims: Record<string, unknown>): boolean {
  const value = decidingTenantClaim(claims);
  return value !== null && typeof value !== 'string';
}

/** Pure: claims -> caller, or null for a role we do not serve. */
export function callerFromClaims(claims: Record<string, unknown>): Caller | null {
  const appMetadata = asObject(claims.app_metadata) ?? {};
  const subject = stringClaim(claims.email) ?? stringClaim(claims.sub) ?? String(claims.role);
  if (claims.role === 'service_role') return { kind: 'service', role: 'service_role', subject, claims };
  if (claims.role === 'oasis_reader') return { kind: 'reader', role: 'oasis_reader', subject, claims };
  if (claims.role === 'authenticated') {
    return {
      kind: 'user',
      role: 'authenticated',
      subject,
      tenant: tenantClaim(claims),
      isAdmin: appMetadata.role === 'admin' || claims.is_admin === true,
      claims,
    };
  }
  return null;
}

/**
 * The `access_token` query parameter every read route documents: reads may carry the token in the
 * query string, because a browser's EventSource cannot set headers (bearerToken below reads it).
 */
export const AccessTokenQuerySchema = z.string().optional().openapi({ description: 'Bearer token for clients that cannot set headers.' });

function bearerToken(c: Context, access: Access): string | null {
  const header = c.req.header('authorization');
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw unauthorized('invalid_token', 'Authorization header must be "Bearer <token>"');
    return match[1]!;
  }
  // Browsers' EventSource cannot set headers, so reads may pass the token in the query string.
  if (access === 'read') return c.req.query('access_token') ?? null;
  return null;
}

async function verifyWith(token: string, key: SignatureKey, alg: 'HS256' | SigningAlgorithm): Promise<Record<string, unknown>> {
  try {
    return (await verify(token, key, alg)) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof JwtTokenExpired) throw unauthorized('token_expired', 'the bearer token has expired');
    if (error instanceof JwtTokenSignatureMismatched) throw unauthorized('invalid_token', 'the bearer token signature is invalid');
    throw unauthorized('invalid_token', 'the bearer token is malformed or invalid');
  }
}

const ASYMMETRIC: readonly string[] = ['ES256', 'RS256', 'EdDSA'] satisfies SigningAlgorithm[];

/**
 * The token's header chooses the path, never the key: `HS256` goes to the legacy secret only; an
 * asymmetric `alg` goes to the signing key its `kid` names, and must be that key's one algorithm. So an
 * HS256 token "signed" with a published public key is checked against the secret (and fails), and a
 * published key never verifies anything but its own algorithm.
 */
export function createTokenVerifier(options: VerifierOptions): TokenVerifier {
  return async (token) => {
    let header: { alg?: unknown; kid?: unknown };
    try {
      header = decodeHeader(token);
    } catch {
      throw unauthorized('invalid_token', 'the bearer token is malformed or invalid');
    }
    const alg = typeof header.alg === 'string' ? header.alg : '';
    if (alg === 'HS256') {
      if (options.legacySecret === undefined) throw unauthorized('invalid_token', 'HS256 tokens are not accepted here (no legacy JWT secret is configured)');
      return verifyWith(token, options.legacySecret, 'HS256');
    }
    if (!ASYMMETRIC.includes(alg)) {
      throw unauthorized('invalid_token', "the bearer token's alg is not accepted (HS256 with the legacy secret, ES256, RS256 or EdDSA with a signing key)");
    }
    if (options.signingKeys === undefined) throw unauthorized('invalid_token', `${alg} tokens are not accepted here (no signing keys are configured)`);
    if (typeof header.kid !== 'string' || header.kid === '') throw unauthorized('invalid_token', 'the bearer token names no signing key (kid)');
    const lookup = await options.signingKeys.lookup(header.kid);
    if (lookup.outcome === 'keys_unavailable') {
      throw apiError(503, 'signing_keys_unavailable', 'the signing keys could not be read, so the token cannot be checked; retry later', { 'Retry-After': '5' });
    }
    if (lookup.outcome === 'unknown_kid') throw unauthorized('invalid_token', 'the bearer token was signed by a key this project does not publish');
    const signingKey = lookup.key;
    if (signingKey.alg !== alg) throw unauthorized('invalid_token', `the bearer token says ${alg}, but its signing key is ${signingKey.alg}`);
    return verifyWith(token, signingKey.key, signingKey.alg);
  };
}

/** Decides the caller of one request under `options`; throws the 401/403 to answer with. */
async function callerOf(c: Context, options: AuthOptions, access: Access): Promise<Caller> {
  const token = bearerToken(c, access);
  if (token === null) {
    if (access === 'read' && options.publicRead) return { kind: 'public' };
    throw unauthorized('unauthenticated', 'a bearer token is required');
  }
  const claims = await options.verifyToken(token);
  const caller = callerFromClaims(claims);
  if (caller === null) {
    if (claims.role === 'anon' && access === 'read' && options.publicRead) return { kind: 'public' };
    throw forbidden('forbidden_role', `role "${String(claims.role)}" may not use this API`);
  }
  if (caller.kind === 'reader' && access === 'write') {
    // The database would refuse the write too (no grant); answering here keeps it a clear 403.
    throw forbidden('read_only_token', 'this token may only read (role oasis_reader)');
  }
  if (caller.kind === 'user' && hasMalformedTenantClaim(claims)) {
    throw forbidden('invalid_tenant_claim', 'the token\'s tenant claim must be a string');
  }
  return caller;
}

/**
 * Middleware: `authenticate('write')` on every route that changes data, `authenticate('read')` on
 * reads. The verifier and the public-read switch are the composition's (`c.var.auth`), so a route
 * spec names only the access it needs. Sets `c.var.caller`.
 */
export function authenticate(access: Access, overrides: Partial<AuthOptions> = {}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set('caller', await callerOf(c, { ...c.get('auth'), ...overrides }, access));
    return next();
  };
}
