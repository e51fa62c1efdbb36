import type { DbIdentity } from './database.js';

/**
 * Who is calling, and for which tenant: the model every feature decides with. How a token becomes a
 * Caller (verification, claims) is the HTTP layer's job (http/auth.ts); what a Caller may do is the
 * database's (row-level security), decided as `dbIdentity(caller)`.
 *
 * Tokens are JWTs as Supabase issues them. `role` is `service_role`, `authenticated`, or
 * `oasis_reader` (a read-only credential, e.g. for a wall screen: `npm run token -- --read-only`); the
 * tenant is `tenant` or `app_metadata.tenant`; admins have `app_metadata.role = 'admin'` or
 * `is_admin: true`.
 */
export type Caller =
  | { kind: 'service'; role: 'service_role'; subject: string; claims: Record<string, unknown> }
  | { kind: 'user'; role: 'authenticated'; subject: string; tenant: string | null; isAdmin: boolean; claims: Record<string, unknown> }
  /** Reads every tenant's rows, writes nothing: enforced by the database role's grants (policies/008). */
  | { kind: 'reader'; role: 'oasis_reader'; subject: string; claims: Record<string, unknown> }
  | { kind: 'public' };

/** Where service callers' rows go when they name no tenant. */
export const SYSTEM_TENANT = 'system';

/**
 * The tenant a row is written for. An authenticated caller writes for its own tenant unless it names
 * another one; whether it may is decided by the row-level-security policy, not here.
 */
export function tenantFor(caller: Caller, requested: string | undefined): string {
  if (requested !== undefined) return requested;
  if (caller.kind === 'user' && caller.tenant) return caller.tenant;
  return SYSTEM_TENANT;
}

/**
 * The identity of work the platform does itself (the webhook, the feed hub, the offline detector):
 * service_role, with `subject` as the JWT `sub` so the database's view of the actor names the task.
 */
export function serviceIdentity(subject: string): DbIdentity {
  return { role: 'service_role', claims: { role: 'service_role', sub: subject } };
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
