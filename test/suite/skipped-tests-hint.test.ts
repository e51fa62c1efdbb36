import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** Issue 16 #9: a run without TEST_DATABASE_URL says that it skips the PostgreSQL tests and how to run them. */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const VITEST = fileURLToPath(new URL('../../node_modules/.bin/vitest', import.meta.url));

function runOneSmallFile(env: Record<string, string>): string {
  const { PATH, HOME } = process.env;
  const result = spawnSync(VITEST, ['run', 'test/vtid/vtid.test.ts'], { cwd: ROOT, env: { PATH: PATH!, HOME: HOME!, ...env }, encoding: 'utf8' });
  expect(result.status).toBe(0);
  return result.stderr;
}

describe('the skipped-tests hint', () => {
  it('is printed without TEST_DATABASE_URL, naming the variable and an example value', () => {
    const stderr = runOneSmallFile({});
    expect(stderr).toContain('TEST_DATABASE_URL is not set: the tests that need a real PostgreSQL server are skipped');
    expect(stderr).toContain('TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm test');
  });

  it('is not printed when TEST_DATABASE_URL is set', () => {
    expect(runOneSmallFile({ TEST_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test' })).not.toContain('is not set');
  });
});
