import pg from 'pg';
import type { Logger } from '../core/log.js';
import { DatabaseStoppingError } from './errors.js';
import type { Database, Listener, ListenOptions, QueryResult, Queryable, Session, Statement } from '../core/database.js';

// bigint ids fit in a JS number for any realistic table; parse them so both backends return numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (v: string) => Number(v));

export interface PgOptions {
  url: string;
  /** Session-mode or direct URL for LISTEN (a transaction-mode pooler silently drops LISTEN). */
  listenUrl?: string;
  max?: number;
  /**
   * How long a query may wait for a pooled connection (queueing included) before it fails as an outage.
   * Bursts queue behind the pool; a refused or dead server fails fast on its own.
   */
  acquireTimeoutMs?: number;
  logger: Logger;
}

async function run<R>(client: pg.PoolClient | pg.Client, sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
  // Never a named query: Supabase's transaction pooler does not keep prepared statements.
  const result = await client.query(sql, params as unknown[] | undefined);
  return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
}

function queryable(client: pg.PoolClient): Queryable {
  return {
    query: (sql, params) => run(client, sql, params),
    // Without parameters node-postgres uses the simple protocol, which accepts several statements.
    exec: async (sql) => {
      await client.query(sql);
    },
  };
}

/** The backend process id PostgreSQL gave the connection (BackendKeyData); not part of the typed API. */
function backendPid(client: pg.PoolClient): number | null {
  const pid = (client as unknown as { processID?: unknown }).processID;
  return typeof pid === 'number' && pid > 0 ? pid : null;
}

/**
 * The pool's clients as the gateway holds them: checked out with an error listener for the time they
 * are held (a connection reset while a client is checked out, such as a database restart mid-request,
 * must fail that request, not crash the process with an unhandled 'error' event; the pending query
 * rejects on its own), and known while they are, so shutdown can end their work in the database.
 */
class Checkouts {
  readonly busy = new Set<pg.PoolClient>();
  refusing = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly logger: Logger,
  ) {}

  async checkout(): Promise<{ client: pg.PoolClient; release: () => void }> {
    if (this.refusing) throw new DatabaseStoppingError();
    const client = await this.pool.connect();
    // Shutdown began while this request waited for a connection: send nothing.
    if (this.refusing) {
      client.release();
      throw new DatabaseStoppingError();
    }
    const onError = (error: Error) => this.logger.warn('database connection lost while in use', { error: error.message });
    client.on('error', onError);
    this.busy.add(client);
    return {
      client,
      release: () => {
        this.busy.delete(client);
        client.off('error', onError);
        client.release();
      },
    };
  }
}

/**
 * Ends the work of busy connections in the database: their backends are terminated, from a
 * connection of its own, and awaited until gone. A transaction that had not committed then rolls
 * back, so nothing of it can commit later (a backend waiting on a lock would otherwise go on, once
 * the lock is released, to run the COMMIT already pipelined to it, whether its client is still there
 * or not). The connection is opened when shutdown begins (prepare), not when time is shortest.
 */
class BackendTerminator {
  private admin: Promise<pg.Client | null> | null = null;

  constructor(
    private readonly url: string,
    private readonly logger: Logger,
  ) {}

  prepare(): void {
    this.admin ??= (async () => {
      const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 5_000 });
      client.on('error', () => {});
      try {
        await client.connect();
        return client;
      } catch (error) {
        this.logger.warn('shutdown: cannot open a connection to end database work with', { error: (error as Error).message });
        return null;
      }
    })();
  }

  async terminate(clients: readonly pg.PoolClient[], timeoutMs: number): Promise<void> {
    const pids = clients.map(backendPid).filter((pid): pid is number => pid !== null);
    if (pids.length === 0) return;
    const deadline = Date.now() + timeoutMs;
    this.prepare();
    const admin = await Promise.race([this.admin!, new Promise<null>((resolve) => setTimeout(() => resolve(null), timeoutMs).unref())]);
    const failed = (reason: string) => this.logger.error('shutdown: could not end the database work still in flight; its outcome is unknown', { connections: pids.length, reason });
    if (!admin) return failed('no connection');
    try {
      await admin.query('select pg_terminate_backend(pid) from unnest($1::int[]) as pid', [pids]);
      // Gone means rolled back (or committed just before): only then can nothing of it commit later.
      for (;;) {
        const { rows } = await admin.query<{ n: number }>('select count(*)::int as n from pg_stat_activity where pid = any($1::int[])', [pids]);
        if (rows[0]!.n === 0) break;
        if (Date.now() >= deadline) return failed(`${rows[0]!.n} still running`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      this.logger.warn('shutdown: ended the database work still in flight (rolled back unless it was committing)', { connections: pids.length });
    } catch (error) {
      failed((error as Error).message);
    }
  }

  async close(): Promise<void> {
    const admin = await this.admin;
    this.admin = null;
    await admin?.end().catch(() => {});
  }
}

async function inTransaction<T>(client: pg.PoolClient, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  // The pool's connections pipeline: BEGIN goes out with the transaction's first statement instead
  // of costing a round trip of its own. Its failure (a dead connection) fails that statement too.
  const begun = client.query('begin');
  begun.catch(() => {});
  try {
    const result = await fn(queryable(client));
    await begun;
    await client.query('commit');
    return result;
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  }
}

/**
 * BEGIN, the statements and COMMIT written to the connection at once and answered together. A
 * failed statement aborts the transaction, so the statements after it fail and COMMIT rolls back;
 * the first real error is the one reported.
 */
async function pipelinedTransaction(client: pg.PoolClient, statements: readonly Statement[]): Promise<QueryResult<Record<string, unknown>>[]> {
  // node-postgres writes each query with a write call of its own; corked, the whole transaction
  // leaves in one write (one system call instead of one per statement). Its socket is not part of
  // its typed API, hence the narrow cast; without it the batch is still correct, only costlier.
  const socket = (client as unknown as { connection?: { stream?: { cork(): void; uncork(): void } } }).connection?.stream;
  socket?.cork();
  let sent: Promise<pg.QueryResult>[];
  try {
    sent = [client.query('begin'), ...statements.map((s) => client.query(s.sql, s.params as unknown[] | undefined)), client.query('commit')];
  } finally {
    socket?.uncork();
  }
  const settled = await Promise.allSettled(sent);
  const failed = settled.find((result) => result.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  // An aborted transaction answers COMMIT with ROLLBACK instead of an error; never report it as stored.
  const commit = (settled[settled.length - 1] as PromiseFulfilledResult<pg.QueryResult>).value;
  if (commit.command !== 'COMMIT') throw new Error(`the transaction did not commit (${commit.command})`);
  return settled.slice(1, -1).map((result) => {
    const value = (result as PromiseFulfilledResult<pg.QueryResult>).value;
    return { rows: value.rows as Record<string, unknown>[], rowCount: value.rowCount ?? 0 };
  });
}

/** Supabase's transaction pooler listens on 6543; LISTEN and advisory locks do not work through it. */
export function isTransactionPoolerUrl(url: string): boolean {
  try {
    return new URL(url).port === '6543';
  } catch {
    return false;
  }
}

export function createPgDatabase(options: PgOptions): Database {
  // pipeline: a connection writes each query as soon as it is issued instead of waiting for the answer
  // to the one before, so a transaction's statements share round trips (see transactionBatch).
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.acquireTimeoutMs ?? 15_000,
    pipeline: true,
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', (error) => options.logger.warn('idle database connection lost', { error: error.message }));
  const checkouts = new Checkouts(pool, options.logger);
  const terminator = new BackendTerminator(options.url, options.logger);
  const checkout = () => checkouts.checkout();
  // Plain queries go through a checkout too, so shutdown knows (and can end) every one in flight.
  const pooled: Queryable = {
    query: async (sql, params) => {
      const { client, release } = await checkout();
      try {
        return await run(client, sql, params);
      } finally {
        release();
      }
    },
    exec: async (sql) => {
      const { client, release } = await checkout();
      try {
        await client.query(sql);
      } finally {
        release();
      }
    },
  };

  const session = async <T>(fn: (s: Session) => Promise<T>): Promise<T> => {
    const { client, release } = await checkout();
    try {
      return await fn({ ...queryable(client), transaction: (inner) => inTransaction(client, inner) });
    } finally {
      release();
    }
  };

  return {
    kind: 'pg',
    ...pooled,
    transaction: async (fn) => {
      const { client, release } = await checkout();
      try {
        return await inTransaction(client, fn);
      } finally {
        release();
      }
    },
    session,
    transactionBatch: (async (statements: readonly Statement[] | (() => readonly Statement[] | null)) => {
      const { client, release } = await checkout();
      try {
        const ready = typeof statements === 'function' ? statements() : statements;
        return ready === null ? null : await pipelinedTransaction(client, ready);
      } finally {
        release();
      }
    }) as Database['transactionBatch'],
    listen: (channel, listenOptions) => listenPg(options.listenUrl ?? options.url, channel, listenOptions, options.logger),
    prepareStop: () => terminator.prepare(),
    stopWork: async (timeoutMs) => {
      checkouts.refusing = true;
      await terminator.terminate([...checkouts.busy], timeoutMs);
    },
    close: async () => {
      await terminator.close();
      await pool.end();
    },
  };
}

const RECONNECT_DELAY_MS = [100, 500, 1_000, 2_000, 5_000];

/**
 * One dedicated connection per instance that LISTENs on `channel`. If it drops, it reconnects with
 * back-off and tells the caller (`onReconnect`) so it can catch up from the table.
 */
async function listenPg(url: string, channel: string, options: ListenOptions, logger: Logger): Promise<Listener> {
  if (isTransactionPoolerUrl(url)) {
    throw new Error('LISTEN needs a session-mode or direct database URL (port 5432), not the transaction pooler (port 6543): set DATABASE_LISTEN_URL');
  }
  let closed = false;
  let client: pg.Client | null = null;
  let attempt = 0;

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
    next.on('notification', (message) => {
      if (message.channel === channel) options.onNotify(message.payload ?? '');
    });
    next.on('error', (error) => {
      // Only the connection in use reconnects; a discarded one (failed LISTEN, closed meanwhile) is ignored.
      if (closed || client !== next) return;
      options.onDisconnect?.(error);
      logger.warn('feed listener connection lost', { error: error.message });
      void reconnect();
    });
    try {
      await next.connect();
      // Identifiers cannot be bound; the channel name is ours, quote it anyway.
      await next.query(`listen "${channel.replaceAll('"', '""')}"`);
    } catch (error) {
      await next.end().catch(() => {});
      throw error;
    }
    // close() ran while this connection was being made: nothing may keep it (or the process) alive.
    if (closed) {
      await next.end().catch(() => {});
      return;
    }
    client = next;
  };

  let reconnecting = false;
  const reconnect = async (): Promise<void> => {
    if (reconnecting || closed) return;
    reconnecting = true;
    const old = client;
    client = null;
    old?.end().catch(() => {});
    while (!closed) {
      const delay = RECONNECT_DELAY_MS[Math.min(attempt, RECONNECT_DELAY_MS.length - 1)]!;
      attempt += 1;
      await new Promise((resolve) => setTimeout(resolve, delay).unref());
      if (closed) break;
      try {
        await connect();
        if (closed) break;
        attempt = 0;
        logger.info('feed listener reconnected', { channel });
        options.onReconnect?.();
        break;
      } catch (error) {
        logger.warn('feed listener reconnect failed', { error: (error as Error).message, attempt });
      }
    }
    reconnecting = false;
  };

  await connect();
  return {
    close: async () => {
      closed = true;
      await client?.end().catch(() => {});
      client = null;
    },
  };
}
