import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Queryable } from '../../runtime/core/database.js';
import { silentLogger } from '../../runtime/core/log.js';
import { projectRoot } from '../../runtime/core/project-root.js';
import { migrate, MigrationChecksumError, migrationsCurrent, readMigrationFiles } from '../../runtime/db/migrate.js';
import { MIGRATION_REWRITES } from '../../runtime/db/migration-rewrites.js';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';

/**
 * Issue 14: migrations/004 gave its row-level security to policies/004. Databases that applied the
 * old migrations/004 (test/fixtures/migrations/…before-issue-14.sql, the text as released) must take
 * the new files without a checksum error and end exactly as a database migrated fresh does.
 */

const REWRITE = MIGRATION_REWRITES.find((rewrite) => rewrite.file === 'migrations/004_vtid_ledger_status_machine.sql')!;
const OLD_004 = join(projectRoot(), 'test/fixtures/migrations/004_vtid_ledger_status_machine.before-issue-14.sql');

/** migrations/ and policies/ as they were released before issue 14. */
function releasedBeforeIssue14(): string {
  const dir = tempDir('oasis-migrations-before-14-');
  cpSync(join(projectRoot(), 'migrations'), join(dir, 'migrations'), { recursive: true });
  cpSync(join(projectRoot(), 'policies'), join(dir, 'policies'), { recursive: true });
  copyFileSync(OLD_004, join(dir, REWRITE.file));
  rmSync(join(dir, REWRITE.movedTo));
  return dir;
}

/** Who may do what in the public schema: RLS switches, policies, table and column grants. */
async function accessState(db: Queryable) {
  const rls = await db.query(
    `select relname, relrowsecurity, relforcerowsecurity from pg_class
      where relnamespace = 'public'::regnamespace and relkind = 'r' order by relname`,
  );
  const policies = await db.query(
    `select tablename, policyname, permissive, roles::text[] as roles, cmd, qual, with_check from pg_policies
      where schemaname = 'public' order by tablename, policyname`,
  );
  const tableGrants = await db.query(
    `select table_name, grantee, privilege_type from information_schema.role_table_grants
      where table_schema = 'public' order by table_name, grantee, privilege_type`,
  );
  const columnGrants = await db.query(
    `select table_name, column_name, grantee, privilege_type from information_schema.column_privileges
      where table_schema = 'public' order by table_name, column_name, grantee, privilege_type`,
  );
  return { rls: rls.rows, policies: policies.rows, tableGrants: tableGrants.rows, columnGrants: columnGrants.rows };
}

it('the fixture is the text that was released: its checksum is the one the rewrite supersedes', () => {
  const checksum = createHash('sha256').update(readFileSync(OLD_004, 'utf8')).digest('hex');
  expect(REWRITE.supersededChecksums).toContain(checksum);
  // …and the file on disk really is a different text now.
  expect(readMigrationFiles(projectRoot()).find((file) => file.name === REWRITE.file)!.checksum).not.toBe(checksum);
});

afterAll(removeTempDirs);
describe.each(BACKENDS)('the migrations/004 rewrite on %s', (backend) => {
  const made: TestDatabase[] = [];
  afterEach(async () => {
    await Promise.all(made.splice(0).map((test) => test.drop()));
  });
  const database = async () => {
    const test = await createTestDatabase(backend);
    made.push(test);
    return test;
  };

  it('a database migrated with the old files upgrades cleanly and ends as a fresh one does', async () => {
    const oldFiles = readMigrationFiles(releasedBeforeIssue14());
    const newFiles = readMigrationFiles(projectRoot());

    const upgraded = await database();
    await migrate(upgraded.db, oldFiles, silentLogger);
    const before = await accessState(upgraded.db);

    // Without the reviewed rewrite the changed file is refused, as any edit is.
    await expect(migrate(upgraded.db, newFiles, silentLogger, [])).rejects.toThrow(MigrationChecksumError);

    const upgrade = await migrate(upgraded.db, newFiles, silentLogger);
    expect(upgrade.applied).toEqual([REWRITE.movedTo]);
    expect(await migrationsCurrent(upgraded.db, newFiles)).toBe(true);
    // The code from before the rewrite still starts on the upgraded database (a rollback stays possible).
    expect(await migrate(upgraded.db, oldFiles, silentLogger)).toEqual({ applied: [], skipped: oldFiles.length });

    const fresh = await database();
    const first = await migrate(fresh.db, newFiles, silentLogger);
    expect(first.applied).toEqual(newFiles.map((file) => file.name));

    const upgradedState = await accessState(upgraded.db);
    expect(upgradedState).toEqual(await accessState(fresh.db));
    // The upgrade changed nothing that the old files had set up…
    expect(upgradedState).toEqual(before);
    // …and what they set up is really there (equal states could both lack it).
    expect(upgradedState.rls).toContainEqual({ relname: 'VtidLedgerTransition', relrowsecurity: true, relforcerowsecurity: false });
    expect(upgradedState.policies).toContainEqual(
      expect.objectContaining({ tablename: 'VtidLedgerTransition', policyname: 'vtid_ledger_transition_read', cmd: 'SELECT', roles: ['authenticated', 'service_role'] }),
    );
    expect(upgradedState.tableGrants).toContainEqual({ table_name: 'VtidLedgerTransition', grantee: 'authenticated', privilege_type: 'SELECT' });
  });

  it("each table's row-level security comes with the policies/ file of the migration that creates it, never with the migration", async () => {
    const test = await database();
    const files = readMigrationFiles(projectRoot());
    const numberOf = (name: string) => name.split('/')[1]!.slice(0, 3);
    const numbers = [...new Set(files.map((file) => numberOf(file.name)))].sort();
    const rlsAndPolicies = async () => {
      const tables = await test.db.query<{ relname: string; relrowsecurity: boolean }>(
        `select relname, relrowsecurity from pg_class where relnamespace = 'public'::regnamespace and relkind = 'r' order by relname`,
      );
      const policies = await test.db.query(`select tablename, policyname from pg_policies where schemaname = 'public' order by 1, 2`);
      return { tables: tables.rows, policies: policies.rows };
    };
    // Number by number: migrations/00N, then policies/00N (the runner runs every migration first;
    // this order shows which file of a number does what).
    for (const number of numbers) {
      const before = await rlsAndPolicies();
      for (const file of files.filter((f) => f.name.startsWith('migrations/') && numberOf(f.name) === number)) await test.db.exec(file.sql);
      const afterMigration = await rlsAndPolicies();
      // A migration switches on no RLS and creates no policy: its new tables are there without.
      expect(afterMigration.policies, `migrations/${number}`).toEqual(before.policies);
      const newTables = afterMigration.tables.filter((t) => !before.tables.some((b) => b.relname === t.relname));
      expect(newTables.filter((t) => t.relrowsecurity), `migrations/${number}`).toEqual([]);
      for (const file of files.filter((f) => f.name.startsWith('policies/') && numberOf(f.name) === number)) await test.db.exec(file.sql);
      // policies/00N leaves no table of migrations/00N (or earlier) without RLS.
      expect((await rlsAndPolicies()).tables.filter((t) => !t.relrowsecurity), `policies/${number}`).toEqual([]);
    }
  });
});
