/**
 * The reviewed rewrites of applied migration files (Flyway calls the same step "repair"). An applied
 * file is never edited, because every database that ran it keeps its checksum and refuses a changed
 * file. When a file must change all the same, its entry here names the checksums its earlier texts
 * had: a database that applied one of those accepts the new text without running it again. Its
 * ledger row keeps the checksum of the text that ran (so code from before the rewrite still starts
 * there). What the file lost must be carried by a file every database runs (the rewrite's `movedTo`),
 * written so it can run where the old text already ran.
 *
 * Add an entry only with such a file, and only after checking that the old and the new text leave the
 * same database behind (test/db/migration-rewrites.test.ts proves it for each entry).
 */
export interface MigrationRewrite {
  /** The rewritten file, folder-qualified as in the ledger (`migrations/004_….sql`). */
  file: string;
  /** sha256 of each earlier text that databases may have applied. */
  supersededChecksums: readonly string[];
  /** Where what the file lost went; it runs everywhere, so it must be idempotent. */
  movedTo: string;
  why: string;
}

export const MIGRATION_REWRITES: readonly MigrationRewrite[] = [
  {
    file: 'migrations/004_vtid_ledger_status_machine.sql',
    supersededChecksums: ['c4986407be44176898fac2e6b2b6a7f7f61f01eba8a63fa9fb17290cd8d983b7'],
    movedTo: 'policies/004_vtid_ledger_status_machine.sql',
    why: "each table's row-level security sits in policies/ under the number of the migration that creates the table (issue 14)",
  },
];

/** True when `checksum` is an earlier, reviewed text of `file`. */
export function isSupersededChecksum(rewrites: readonly MigrationRewrite[], file: string, checksum: string): boolean {
  return rewrites.some((rewrite) => rewrite.file === file && rewrite.supersededChecksums.includes(checksum));
}
