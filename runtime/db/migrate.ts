import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../core/log.js';
import type { Database, Queryable } from '../core/database.js';
import { isSupersededChecksum, MIGRATION_REWRITES, type MigrationRewrite } from './migration-rewrites.js';

/** Schema first, then the row-level-security policies that refer to it; each folder in name order. */
export const MIGRATION_FOLDERS = ['migrations', 'policies'] as const;

export interface MigrationFile {
  /** `migrations/001_events.sql`: folder-qualified so the two folders can reuse numbers. */
  name: string;
  sql: string;
  checksum: string;
}

export class MigrationChecksumError extends Error {
  constructor(readonly file: string) {
    super(`migration ${file} was edited after it was applied (checksum differs); add a new migration instead`);
    this.name = 'MigrationChecksumError';
  }
}

// Any fixed number works; it only has to be the same for every instance of this product.
const MIGRATION_LOCK_KEY = 7_031_2026;

export function readMigrationFiles(rootDir: string): MigrationFile[] {
  const files: MigrationFile[] = [];
  for (const folder of MIGRATION_FOLDERS) {
    const dir = join(rootDir, folder);
    const names = readdirSync(dir).filter((name) => name.endsWith('.sql')).sort();
    for (const name of names) {
      const sql = readFileSync(join(dir, name), 'utf8');
      files.push({ name: `${folder}/${name}`, sql, checksum: createHash('sha256').update(sql).digest('hex') });
    }
  }
  return files;
}

async function ensureLedgerTable(db: Queryable): Promise<void> {
  await db.exec(`
    create table if not exists public.oasis_schema_migrations (
      name text primary key,
      checksum text not null,
      applied_at timestamptz not null default now()
    )`);
}

async function appliedChecksums(db: Queryable): Promise<Map<string, string>> {
  const { rows } = await db.query<{ name: string; checksum: string }>('select name, checksum from public.oasis_schema_migrations');
  return new Map(rows.map((row) => [row.name, row.checksum]));
}

/**
 * Whether the applied text of a file is the one on disk: the same checksum, or an earlier text that a
 * reviewed rewrite lists. The ledger keeps the checksum of the text that ran, so code from before
 * the rewrite still starts on the same database (a rollback stays possible).
 */
function appliedTextAccepted(file: MigrationFile, appliedChecksum: string, rewrites: readonly MigrationRewrite[]): boolean {
  return appliedChecksum === file.checksum || isSupersededChecksum(rewrites, file.name, appliedChecksum);
}

function verifyChecksums(files: MigrationFile[], applied: Map<string, string>, rewrites: readonly MigrationRewrite[]): void {
  for (const file of files) {
    const checksum = applied.get(file.name);
    if (checksum !== undefined && !appliedTextAccepted(file, checksum, rewrites)) throw new MigrationChecksumError(file.name);
  }
}

export interface MigrateResult {
  applied: string[];
  skipped: number;
}

/**
 * Applies every pending file, each in its own transaction, while holding a session-level advisory
 * lock so that several instances starting at once apply each file exactly once. Refuses to run when
 * an applied file was edited, except by a reviewed rewrite (migration-rewrites.ts).
 */
export async function migrate(
  db: Database,
  files: MigrationFile[],
  logger: Logger,
  rewrites: readonly MigrationRewrite[] = MIGRATION_REWRITES,
): Promise<MigrateResult> {
  return db.session(async (session) => {
    await session.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await ensureLedgerTable(session);
      // Read the ledger only after taking the lock: a racing instance may just have applied files.
      const applied = await appliedChecksums(session);
      verifyChecksums(files, applied, rewrites);
      const done: string[] = [];
      for (const file of files) {
        if (applied.has(file.name)) continue;
        await session.transaction(async (tx) => {
          await tx.exec(file.sql);
          await tx.query('insert into public.oasis_schema_migrations (name, checksum) values ($1, $2)', [file.name, file.checksum]);
        });
        logger.info('migration applied', { migration: file.name });
        done.push(file.name);
      }
      return { applied: done, skipped: files.length - done.length };
    } finally {
      await session.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  });
}

/** For readiness: true when every file on disk is applied unchanged (or as a reviewed earlier text). */
export async function migrationsCurrent(db: Queryable, files: MigrationFile[], rewrites: readonly MigrationRewrite[] = MIGRATION_REWRITES): Promise<boolean> {
  const { rows } = await db.query<{ exists: boolean }>(`select to_regclass('public.oasis_schema_migrations') is not null as exists`);
  if (!rows[0]?.exists) return false;
  const applied = await appliedChecksums(db);
  return files.every((file) => {
    const checksum = applied.get(file.name);
    return checksum !== undefined && appliedTextAccepted(file, checksum, rewrites);
  });
}
