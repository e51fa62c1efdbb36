import type { Database, DbIdentity, Queryable } from './types.js';

/**
 * Runs `fn` in a transaction as the caller, exactly as Supabase's PostgREST does: `set local role` and
 * `request.jwt.claims`, both scoped to the transaction. The row-level-security policies in `policies/`
 * then decide what the caller may see and change, so a bug in our code cannot widen a tenant's reach.
 */
export function asRole<T>(db: Database, identity: DbIdentity, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    // set_config('role', …, true) is SET LOCAL ROLE with a bind parameter; the role comes from our
    // own allow-list (DbRole), never straight from a token.
    await tx.query(`select set_config('role', $1, true), set_config('request.jwt.claims', $2, true)`, [
      identity.role,
      JSON.stringify(identity.claims),
    ]);
    return fn(tx);
  });
}

/**
 * The identity of work the platform does itself (the webhook, the feed hub, the offline detector):
 * service_role, with `subject` as the JWT `sub` so the database's view of the actor names the task.
 */
export function serviceIdentity(subject: string): DbIdentity {
  return { role: 'service_role', claims: { role: 'service_role', sub: subject } };
}
