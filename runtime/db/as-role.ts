import type { Database, DbIdentity, Queryable, QueryResult, Statement } from '../core/database.js';

/**
 * Runs `fn` in a transaction as the caller, exactly as Supabase's PostgREST does: `set local role` and
 * `request.jwt.claims`, both scoped to the transaction. The row-level-security policies in `policies/`
 * then decide what the caller may see and change, so a bug in our code cannot widen a tenant's reach.
 */
export function asRole<T>(db: Database, identity: DbIdentity, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    const { sql, params } = roleStatement(identity);
    await tx.query(sql, params);
    return fn(tx);
  });
}

/**
 * The statement that makes the rest of a transaction run as `identity`. set_config('role', …, true)
 * is SET LOCAL ROLE with a bind parameter; the role comes from our own allow-list (DbRole), never
 * straight from a token. `statementTimeoutMs` bounds every later statement of the transaction.
 */
export function roleStatement(identity: DbIdentity, statementTimeoutMs?: number): Statement {
  if (statementTimeoutMs === undefined) {
    return { sql: `select set_config('role', $1, true), set_config('request.jwt.claims', $2, true)`, params: [identity.role, JSON.stringify(identity.claims)] };
  }
  return {
    sql: `select set_config('role', $1, true), set_config('request.jwt.claims', $2, true), set_config('statement_timeout', $3, true)`,
    params: [identity.role, JSON.stringify(identity.claims), String(Math.max(1, Math.ceil(statementTimeoutMs)))],
  };
}

/**
 * asRole for work that is known up front: the role and the statements go out together, one round
 * trip in all (the feed's reads, batched writes). Results are those of `statements`, in order.
 */
export async function batchAsRole(
  db: Database,
  identity: DbIdentity,
  statements: readonly Statement[],
  statementTimeoutMs?: number,
): Promise<QueryResult<Record<string, unknown>>[]> {
  const results = await db.transactionBatch([roleStatement(identity, statementTimeoutMs), ...statements]);
  return results.slice(1);
}

/**
 * batchAsRole whose statements are decided when the connection is in hand (Database.transactionBatch):
 * `prepare` returns them with the statement timeout that is left, or null to send nothing.
 */
export async function preparedBatchAsRole(
  db: Database,
  identity: DbIdentity,
  prepare: () => { statements: readonly Statement[]; statementTimeoutMs: number } | null,
): Promise<QueryResult<Record<string, unknown>>[] | null> {
  const results = await db.transactionBatch(() => {
    const prepared = prepare();
    return prepared && [roleStatement(identity, prepared.statementTimeoutMs), ...prepared.statements];
  });
  return results && results.slice(1);
}

/** A stable key for "the same database identity": writes are grouped per identity so RLS judges each batch as its caller. */
export function identityKey(identity: DbIdentity): string {
  return `${identity.role}\u0000${JSON.stringify(identity.claims)}`;
}

