import { execFile } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { migrate, MigrationChecksumError, migrationsCurrent, readMigrationFiles } from '../../runtime/db/migrate.js';
import { createPgDatabase } from '../../runtime/db/pg.js';
import { createMemoryLogger, silentLogger } from '../../runtime/core/log.js';
import { projectRoot } from '../../runtime/core/project-root.js';
import { BACKENDS, createPgDatabaseUrl, createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';

/** A copy of the real migrations/ and policies/ that a test may edit. */
function copyOfMigrations(): string {
  const dir = tempDir('oasis-migrations-');
  cpSync(join(projectRoot(), 'migrations'), join(dir, 'migrations'), { recursive: true });
  cpSync(join(projectRoot(), 'policies'), join(dir, 'policies'), { recursive: true });
  return dir;
}


// The folders go after every process that used them has stopped (those stop in afterEach/afterAll).
afterAll(removeTempDirs);
describe.each(BACKENDS)('migrations on %s', (backend) => {
  let test: TestDatabase;
  afterEach(() => test?.drop());

  it('applies migrations then policies in name order, once', async () => {
    test = await createTestDatabase(backend);
    const files = readMigrationFiles(projectRoot());
    const names = files.map((f) => f.name);
    expect(names.indexOf('migrations/000_supabase_bootstrap.sql')).toBe(0);
    expect(names.findIndex((n) => n.startsWith('policies/'))).toBeGreaterThan(names.findLastIndex((n) => n.startsWith('migrations/')));

    expect(await migrationsCurrent(test.db, files)).toBe(false);
    const first = await migrate(test.db, files, silentLogger);
    expect(first.applied).toEqual(names);
    const second = await migrate(test.db, files, silentLogger);
    expect(second).toEqual({ applied: [], skipped: files.length });
    expect(await migrationsCurrent(test.db, files)).toBe(true);

    const { rows } = await test.db.query<{ name: string }>('select name from oasis_schema_migrations order by applied_at, name');
    expect(rows.map((r) => r.name).sort()).toEqual([...names].sort());
    // The bootstrap made the Supabase roles and auth functions.
    const roles = await test.db.query<{ rolname: string; rolbypassrls: boolean }>(
      `select rolname, rolbypassrls from pg_roles where rolname in ('anon', 'authenticated', 'service_role') order by rolname`,
    );
    expect(roles.rows).toEqual([
      { rolname: 'anon', rolbypassrls: false },
      { rolname: 'authenticated', rolbypassrls: false },
      { rolname: 'service_role', rolbypassrls: true },
    ]);
    const jwt = await test.db.transaction(async (tx) => {
      await tx.query(`select set_config('request.jwt.claims', '{"sub":"00000000-0000-4000-8000-000000000009","tenant":"t"}', true)`);
      return tx.query<{ jwt: Record<string, unknown>; uid: string }>('select auth.jwt() as jwt, auth.uid()::text as uid');
    });
    expect(jwt.rows[0]).toEqual({ jwt: { sub: '00000000-0000-4000-8000-000000000009', tenant: 't' }, uid: '00000000-0000-4000-8000-000000000009' });
  });

  it('refuses to run when an applied file was edited, naming it, and applies nothing', async () => {
    test = await createTestDatabase(backend);
    const dir = copyOfMigrations();
    await migrate(test.db, readMigrationFiles(dir), silentLogger);
    const edited = join(dir, 'migrations', '001_oasis_events.sql');
    writeFileSync(edited, readFileSync(edited, 'utf8') + '\n-- sneaky edit\n');
    writeFileSync(join(dir, 'migrations', '999_new.sql'), 'create table should_not_exist (id int);');
    const files = readMigrationFiles(dir);
    await expect(migrate(test.db, files, silentLogger)).rejects.toThrow(MigrationChecksumError);
    await expect(migrate(test.db, files, silentLogger)).rejects.toThrow(/migrations\/001_oasis_events\.sql was edited/);
    expect(await migrationsCurrent(test.db, files)).toBe(false);
    const { rows } = await test.db.query(`select to_regclass('public.should_not_exist') as t`);
    expect(rows[0]).toEqual({ t: null });
  });

  it('a failing migration is rolled back and not recorded', async () => {
    test = await createTestDatabase(backend);
    const dir = copyOfMigrations();
    writeFileSync(join(dir, 'migrations', '998_broken.sql'), 'create table half_done (id int);\nselect no_such_function();');
    const logger = createMemoryLogger();
    await expect(migrate(test.db, readMigrationFiles(dir), logger)).rejects.toThrow(/no_such_function/);
    const { rows } = await test.db.query(`select to_regclass('public.half_done') as t`);
    expect(rows[0]).toEqual({ t: null });
    const recorded = await test.db.query(`select name from oasis_schema_migrations where name = 'migrations/998_broken.sql'`);
    expect(recorded.rows).toEqual([]);
  });
});

describe.each(BACKENDS)('migration runners racing on one database (%s)', (backend) => {
  let test: TestDatabase;
  afterEach(() => test?.drop());

  it('four runners at once apply each file exactly once', async () => {
    test = await createTestDatabase(backend);
    const files = readMigrationFiles(projectRoot());
    // PostgreSQL: four pools, as four instances starting at once. The embedded database is one
    // in-process connection, so there several runners can only share it.
    const runners = backend === 'pg' ? Array.from({ length: 4 }, () => createPgDatabase({ url: test.url!, logger: silentLogger, max: 2 })) : Array.from({ length: 4 }, () => test.db);
    try {
      const results = await Promise.all(runners.map((db) => migrate(db, files, silentLogger)));
      const applied = results.flatMap((r) => r.applied);
      expect(applied.sort()).toEqual(files.map((f) => f.name).sort());
      expect(results.filter((r) => r.applied.length > 0)).toHaveLength(1);
    } finally {
      if (backend === 'pg') await Promise.all(runners.map((db) => db.close()));
    }
    const { rows } = await test.db.query<{ n: number }>('select count(*)::int as n from oasis_schema_migrations');
    expect(rows[0]!.n).toBe(files.length);
  });
});

/** `npm run migrate` as the operator runs it: its own process, JSON log lines, exit code. */
function runMigrateCli(env: Record<string, string>): Promise<{ code: number; lines: Array<Record<string, unknown>> }> {
  const tsx = join(projectRoot(), 'node_modules/.bin/tsx');
  return new Promise((resolve) => {
    execFile(tsx, ['runtime/gateway/migrate-cli.ts'], { cwd: projectRoot(), env: { PATH: process.env.PATH, ...env } }, (error, stdout) => {
      const code = error ? Number((error as { code?: number }).code ?? 1) : 0;
      resolve({ code, lines: stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>) });
    });
  });
}

describe.each(BACKENDS)('npm run migrate on %s', (backend) => {
  it('applies every file, then nothing on a second run', async () => {
    const database = backend === 'pg' ? await createPgDatabaseUrl() : undefined;
    const env: Record<string, string> = database ? { DATABASE_URL: database.url } : { OASIS_DATA_DIR: join(tempDir('oasis-migrate-'), 'pglite') };
    try {
      const first = await runMigrateCli(env);
      expect(first.code).toBe(0);
      const files = readMigrationFiles(projectRoot()).map((f) => f.name);
      expect(first.lines.at(-1)).toMatchObject({ severity: 'INFO', message: 'migrations current', applied: files, alreadyApplied: 0, database: backend });
      const second = await runMigrateCli(env);
      expect(second.code).toBe(0);
      expect(second.lines).toEqual([expect.objectContaining({ message: 'migrations current', applied: [], alreadyApplied: files.length })]);
    } finally {
      await database?.drop();
    }
  });
});

it('npm run migrate exits 1 with one CRITICAL line when the database cannot be reached', async () => {
  const { code, lines } = await runMigrateCli({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' });
  expect(code).toBe(1);
  expect(lines).toEqual([expect.objectContaining({ severity: 'CRITICAL', message: expect.stringMatching(/^migration failed: .*ECONNREFUSED/) })]);
});
