import type { Context, MiddlewareHandler } from 'hono';
import { verify } from 'hono/jwt';
import { JwtTokenExpired, JwtTokenSignatureMismatched } from 'hono/utils/jwt/types';
import { serviceIdentity } from '../db/as-role.js';
import type { DbIdentity } from '../db/types.js';
import type { AppEnv } from './env.js';
import { forbidden, unauthorized } from './errors.js';

/**
 * Who is calling. Tokens are HS256 JWTs signed with Supabase's JWT secret, with claims as Supabase
 * issues them: `role` is `service_role` or `authenticated`; the tenant is `tenant` or
 * `app_metadata.tenant`; admins have `app_metadata.role = 'admin'` or `is_admin: true`.
 */
export type Caller =
  | { kind: 'service'; role: 'service_role'; subject: string; claims: Record<string, unknown> }
  | { kind: 'user'; role: 'authenticated'; subject: string; tenant: string | null; isAdmin: boolean; claims: Record<string, unknown> }
  | { kind: 'public' };

export type Access = 'read' | 'write';

export interface AuthOptions {
  secret: string;
  /** OASIS_PUBLIC_READ: reads without a token are allowed. */
  publicRead: boolean;
}

function stringClaim(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/**
 * The claim that decides the tenant, exactly as `public.oasis_jwt_tenant()` (policies/007) picks it, so
 * the live feed's own check (feed/audience.ts) and the ingest default never differ from row-level
 * security: the top-level `tenant` claim whenever it is present (even as ""), else `app_metadata.tenant`.
 */
function decidingTenantClaim(claims: Record<string, unknown>): unknown {
  if (claims.tenant !== undefined && claims.tenant !== null) return claims.tenant;
  return record(claims.app_metadata).tenant ?? null;
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
  const appMetadata = record(claims.app_metadata);
  const subject = stringClaim(claims.email) ?? stringClaim(claims.sub) ?? String(claims.role);
  if (claims.role === 'service_role') return { kind: 'service', role: 'service_role', subject, claims };
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

/** The database identity a caller's SQL runs as. Public reads run as service_role on read-only paths. */
export function dbIdentity(caller: Caller): DbIdentity {
  if (caller.kind === 'public') return serviceIdentity('public');
  return { role: caller.role, claims: caller.claims };
}

/** A short name for "who did it" in events and logs: never the token itself. */
export function actorName(caller: Caller): string {
  return caller.kind === 'public' ? 'public' : caller.subject;
}

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

export async function verifyToken(token: string, secret: string): Promise<Record<string, unknown>> {
  try {
    return (await verify(token, secret, 'HS256')) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof JwtTokenExpired) throw unauthorized('token_expired', 'the bearer token has expired');
    if (error instanceof JwtTokenSignatureMismatched) throw unauthorized('invalid_token', 'the bearer token signature is invalid');
    throw unauthorized('invalid_token', 'the bearer token is malformed or invalid');
  }
}

/**
 * Middleware factory: `authenticate(options, 'write')` on every route that changes data,
 * `authenticate(options, 'read')` on reads. Sets `c.var.caller`.
 */
export function authenticate(options: AuthOptions, access: Access): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = bearerToken(c, access);
    if (token === null) {
      if (access === 'read' && options.publicRead) {
        c.set('caller', { kind: 'public' });
        return next();
      }
      throw unauthorized('unauthenticated', 'a bearer token is required');
    }
    const claims = await verifyToken(token, options.secret);
    const caller = callerFromClaims(claims);
    if (caller === null) {
      if (claims.role === 'anon' && access === 'read' && options.publicRead) {
        c.set('caller', { kind: 'public' });
        return next();
      }
      throw forbidden('forbidden_role', `role "${String(claims.role)}" may not use this API`);
    }
    if (caller.kind === 'user' && hasMalformedTenantClaim(claims)) {
      throw forbidden('invalid_tenant_claim', 'the token\'s tenant claim must be a string');
    }
    c.set('caller', caller);
    return next();
  };
}
