import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { lockDataFolder } from './data-folder-lock.js';
import { DatabaseStoppingError } from './errors.js';
import type { Database, Listener, QueryResult, Queryable, Session, Statement } from '../core/database.js';

export interface PgliteOptions {
  /** A directory for persistent data, or undefined for an in-memory database. */
  dataDir?: string;
}

type PgliteLike = Pick<PGlite, 'query' | 'exec'>;

async function run<R>(db: PgliteLike, sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
  const result = await db.query<R>(sql, params ? [...params] : undefined);
  return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
}

function queryable(db: PgliteLike): Queryable {
  return {
    query: (sql, params) => run(db, sql, params),
    exec: async (sql) => {
      await db.exec(sql);
    },
  };
}

/**
 * Embedded PostgreSQL (WASM). It is a single connection: PGlite queues transactions, so "a session"
 * is the database itself, one session at a time, and concurrency becomes serial, which is all a laptop needs.
 */
export async function createPgliteDatabase(options: PgliteOptions = {}): Promise<Database> {
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const lock = options.dataDir ? lockDataFolder(options.dataDir) : null;
  const db = options.dataDir ? new PGlite(options.dataDir) : new PGlite();
  try {
    await db.waitReady;
  } catch (error) {
    lock?.release();
    throw error;
  }

  // Set by stopWork(): a transaction whose turn comes after it sends nothing.
  let refusing = false;
  const transaction = <T>(fn: (tx: Queryable) => Promise<T>): Promise<T> =>
    db.transaction((tx) => {
      if (refusing) throw new DatabaseStoppingError();
      return fn(queryable(tx));
    });

  const self: Session = { ...queryable(db), transaction };

  // Sessions cannot be separate connections here, so they take turns: a session-level advisory lock
  // (migrate()) is re-entrant on one connection and would not keep two sessions apart by itself.
  let sessions: Promise<unknown> = Promise.resolve();
  const session = <T>(fn: (s: Session) => Promise<T>): Promise<T> => {
    const turn = sessions.then(() => fn(self));
    sessions = turn.catch(() => {});
    return turn;
  };

  return {
    kind: 'pglite',
    ...self,
    session,
    // One connection and no network: taking the statements in turn costs nothing.
    transactionBatch: ((statements: readonly Statement[] | (() => readonly Statement[] | null)) =>
      transaction(async (tx) => {
        // Our turn has come: only now is it decided what is sent (see Database.transactionBatch).
        const ready = typeof statements === 'function' ? statements() : statements;
        if (ready === null) return null;
        const results = [];
        for (const statement of ready) results.push(await tx.query(statement.sql, statement.params));
        return results;
      })) as Database['transactionBatch'],
    listen: async (channel, options): Promise<Listener> => {
      const unsubscribe = await db.listen(channel, options.onNotify);
      return { close: () => unsubscribe() };
    },
    // One connection, one statement at a time: nothing here waits on a lock held elsewhere, so the
    // statement running now ends soon on its own; those queued behind it never start.
    prepareStop: () => {},
    stopWork: async () => {
      refusing = true;
    },
    close: async () => {
      if (!db.closed) await db.close();
      lock?.release();
    },
  };
}
