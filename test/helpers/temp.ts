import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Temporary folders that tests remove again: each file that makes them calls removeTempDirs() in its
 * afterAll, after the processes using them have stopped.
 */
const made: string[] = [];

/** The file in each folder that names the test run that made it (the end-of-run check reads it). */
export const RUN_MARKER = '.oasis-test-run';

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (process.env.OASIS_TEST_RUN) writeFileSync(join(dir, RUN_MARKER), process.env.OASIS_TEST_RUN);
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
