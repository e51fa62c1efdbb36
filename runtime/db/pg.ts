import pg from 'pg';
import type { Logger } from '../log.js';
import type { Database, Listener, ListenOptions, QueryResult, Queryable, Session, Statement } from './types.js';

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

async function run<R>(client: pg.Pool | pg.PoolClient | pg.Client, sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
  // Never a named query: Supabase's transaction pooler does not keep prepared statements.
  const result = await client.query(sql, params as unknown[] | undefined);
  return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
}

function queryable(client: pg.Pool | pg.PoolClient): Queryable {
  return {
    query: (sql, params) => run(client, sql, params),
    // Without parameters node-postgres uses the simple protocol, which accepts several statements.
    exec: async (sql) => {
      await client.query(sql);
    },
  };
}

/**
 * Checks a client out of the pool with an error listener for the time it is held: a connection reset
 * while a client is checked out (a database restart mid-request) must fail that request, not crash the
 * process with an unhandled 'error' event. The pending query rejects on its own.
 */
async function checkout(pool: pg.Pool, logger: Logger): Promise<{ client: pg.PoolClient; release: () => void }> {
  const client = await pool.connect();
  const onError = (error: Error) => logger.warn('database connection lost while in use', { error: error.message });
  client.on('error', onError);
  return {
    client,
    release: () => {
      client.off('error', onError);
      client.release();
    },
  };
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

  const session = async <T>(fn: (s: Session) => Promise<T>): Promise<T> => {
    const { client, release } = await checkout(pool, options.logger);
    try {
      return await fn({ ...queryable(client), transaction: (inner) => inTransaction(client, inner) });
    } finally {
      release();
    }
  };

  return {
    kind: 'pg',
    ...queryable(pool),
    transaction: async (fn) => {
      const { client, release } = await checkout(pool, options.logger);
      try {
        return await inTransaction(client, fn);
      } finally {
        release();
      }
    },
    session,
    transactionBatch: (async (statements: readonly Statement[] | (() => readonly Statement[] | null)) => {
      const { client, release } = await checkout(pool, options.logger);
      try {
        const ready = typeof statements === 'function' ? statements() : statements;
        return ready === null ? null : await pipelinedTransaction(client, ready);
      } finally {
        release();
      }
    }) as Database['transactionBatch'],
    listen: (channel, listenOptions) => listenPg(options.listenUrl ?? options.url, channel, listenOptions, options.logger),
    close: () => pool.end(),
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
