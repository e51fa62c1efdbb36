/**
 * The one database interface the rest of the code sees. Two implementations: node-postgres (a real
 * PostgreSQL / Supabase) and PGlite (embedded, for laptops and tests). Only repositories write SQL.
 */

export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
  /** Runs a script of several statements without parameters (migration files). */
  exec(sql: string): Promise<void>;
}

/** One parameterized statement of a batch. */
export interface Statement {
  sql: string;
  params?: readonly unknown[];
}

/** A single connection held for a while (migrations hold a session-level advisory lock on one). */
export interface Session extends Queryable {
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
}

/** Called with the payload of each NOTIFY on a channel. */
export type NotifyHandler = (payload: string) => void;

export interface Listener {
  /** Resolves when the LISTEN connection is closed. */
  close(): Promise<void>;
}

export interface ListenOptions {
  onNotify: NotifyHandler;
  /** Called after the LISTEN connection was lost and re-established (notifications may have been missed). */
  onReconnect?: () => void;
  /** Called when the connection is lost (before reconnecting). */
  onDisconnect?: (error: unknown) => void;
}

export interface Database extends Session {
  readonly kind: 'pg' | 'pglite';
  /** Runs `fn` on one dedicated connection, released afterwards. */
  session<T>(fn: (session: Session) => Promise<T>): Promise<T>;
  listen(channel: string, options: ListenOptions): Promise<Listener>;
  /**
   * Runs the statements in order as one transaction, all sent at once: one network round trip on
   * PostgreSQL (pipelined), in turn on PGlite. When one fails, the transaction rolls back and the
   * promise rejects with that statement's error (not the "transaction is aborted" of those after it).
   *
   * Given a function, it is called once the connection is in hand, right before anything is sent
   * (after any wait for a pooled connection or for PGlite's turn), so the caller can still drop work
   * whose time ran out meanwhile; returning null sends nothing and resolves with null.
   */
  transactionBatch(statements: readonly Statement[]): Promise<QueryResult<Record<string, unknown>>[]>;
  transactionBatch(statements: () => readonly Statement[] | null): Promise<QueryResult<Record<string, unknown>>[] | null>;
  /** Shutdown has begun: get ready for stopWork (PostgreSQL opens the connection it will use), so that it does not pay for that when time is shortest. */
  prepareStop(): void;
  /**
   * Shutdown, once its grace is nearly over: from now on nothing more is sent (new work fails at once,
   * as an outage that stored nothing), and the work still in flight is ended within `timeoutMs` so
   * that none of it can commit later (PostgreSQL: its backends are terminated and awaited, which rolls
   * back every transaction not already committing; the embedded database runs one statement at a
   * time and finishes the one it is on). close() follows.
   */
  stopWork(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

/** The PostgreSQL roles our requests run as: Supabase's three, and oasis_reader (migrations/008). */
export type DbRole = 'service_role' | 'authenticated' | 'anon' | 'oasis_reader';

export interface DbIdentity {
  role: DbRole;
  /** The JWT claims as Supabase's `auth.jwt()` returns them. */
  claims: Record<string, unknown>;
}
