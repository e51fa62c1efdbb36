import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createPgDatabase } from '../../runtime/db/pg.js';
import { createPgliteDatabase } from '../../runtime/db/pglite.js';
import type { Database } from '../../runtime/core/database.js';
import { silentLogger } from '../../runtime/core/log.js';

/**
 * Test databases. Every database test runs on the embedded PGlite; when TEST_DATABASE_URL points at a
 * real PostgreSQL (CI does) it runs there too, in a uniquely named database that is dropped afterwards.
 */

export type Backend = 'pglite' | 'pg';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;
export const HAS_PG = Boolean(TEST_DATABASE_URL);
export const BACKENDS: Backend[] = HAS_PG ? ['pglite', 'pg'] : ['pglite'];

export interface TestDatabase {
  backend: Backend;
  /** A superuser connection for arranging and asserting (bypasses RLS). */
  db: Database;
  /** pg only: the URL of the fresh database, for gateways and second connections. */
  url?: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A fresh, empty PostgreSQL database (pg backend only). */
export async function createPgDatabaseUrl(): Promise<{ url: string; drop: () => Promise<void> }> {
  if (!TEST_DATABASE_URL) throw new Error('TEST_DATABASE_URL is not set');
  const name = `oasis_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await adminQuery(`create database ${name}`);
  return { url: withDatabase(TEST_DATABASE_URL, name), drop: () => adminQuery(`drop database if exists ${name} with (force)`) };
}

export async function createTestDatabase(backend: Backend): Promise<TestDatabase> {
  if (backend === 'pglite') {
    const db = await createPgliteDatabase();
    return { backend, db, drop: () => db.close() };
  }
  const { url, drop } = await createPgDatabaseUrl();
  const db = createPgDatabase({ url, logger: silentLogger, max: 4 });
  return {
    backend,
    db,
    url,
    drop: async () => {
      await db.close().catch(() => {});
      await drop();
    },
  };
}

/**
 * Stalls every write to the event table until `release()`: on PostgreSQL a table lock that conflicts
 * with INSERT (as a long migration or a manual LOCK TABLE would), on the embedded database an open
 * transaction (its one connection makes every other wait for its turn).
 */
export async function stallEventWrites(test: TestDatabase): Promise<{ release(): Promise<void> }> {
  if (test.backend === 'pg') {
    const holder = new pg.Client({ connectionString: test.url });
    await holder.connect();
    await holder.query('begin');
    await holder.query('lock table public.oasis_events in share mode');
    return {
      release: async () => {
        await holder.query('commit');
        await holder.end();
      },
    };
  }
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let holding!: () => void;
  const held = new Promise<void>((resolve) => (holding = resolve));
  const done = test.db.transaction(async (tx) => {
    await tx.query('lock table public.oasis_events in share mode');
    holding();
    await gate;
  });
  await held;
  return {
    release: async () => {
      open();
      await done;
    },
  };
}
