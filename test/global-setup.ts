import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RUN_MARKER } from './helpers/temp.js';

/**
 * Around the whole run:
 * - says why tests are skipped when they are: without TEST_DATABASE_URL every PostgreSQL-only test is
 *   skipped (the suite still runs everything on the embedded PGlite), and a bare "56 skipped" gave no hint;
 * - checks that the tests ended what they started (issue 12 #14): no process spawned by a test is still
 *   running, and no temporary folder a test made (`oasis-*` in the temp folder) is left. A leftover
 *   fails the run, naming it. Spawned processes are recognised by OASIS_TEST_SPAWNED_BY in their environment
 *   (test/helpers/process.ts passes it on), so a gateway someone runs beside the tests is never touched.
 */
const HINT =
  'TEST_DATABASE_URL is not set: the tests that need a real PostgreSQL server are skipped (the rest run on the embedded PGlite).\n' +
  '  To run them too: TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm test   (any server you may create databases on)\n';

/** Folders made by this run's tempDir() (test/helpers/temp.ts marks each with the run's id). */
function tempFoldersOfRun(runId: string): string[] {
  return readdirSync(tmpdir())
    .filter((name) => name.startsWith('oasis-'))
    .map((name) => join(tmpdir(), name))
    .filter((path) => {
      try {
        return readFileSync(join(path, RUN_MARKER), 'utf8') === runId;
      } catch {
        return false;
      }
    });
}

function processesOfRun(runId: string): Array<{ pid: number; command: string }> {
  const found: Array<{ pid: number; command: string }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0').includes(`OASIS_TEST_SPAWNED_BY=${runId}`)) continue;
      found.push({ pid: Number(entry), command: readFileSync(`/proc/${entry}/cmdline`, 'latin1').split('\0').join(' ').trim() });
    } catch {
      // gone already, or not ours to read
    }
  }
  return found;
}

export default function setup(): () => void {
  const runId = randomUUID();
  // Workers start after this and inherit it; the process helper hands it to every child it spawns.
  process.env.OASIS_TEST_RUN = runId;
  const hint = () => {
    if (!process.env.TEST_DATABASE_URL) process.stderr.write(`\n${HINT}\n`);
  };
  hint();
  return () => {
    // Again after the run, where the "skipped" count is read.
    hint();
    const problems: string[] = [];
    const leftovers = processesOfRun(runId);
    for (const { pid } of leftovers) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // ended meanwhile
      }
    }
    problems.push(...leftovers.map(({ pid, command }) => `process ${pid} still running after the tests (killed now): ${command}`));
    problems.push(...tempFoldersOfRun(runId).map((path) => `temporary folder left behind: ${path}`));
    if (problems.length === 0) return;
    // Vitest reports an error thrown here but still exits 0: set the exit code ourselves.
    process.stderr.write(`\nthe tests did not end what they started:\n  ${problems.join('\n  ')}\n`);
    process.exitCode = 1;
  };
}
