import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { DataFolderInUseError, lockDataFolder, lockPathOf } from '../../runtime/db/data-folder-lock.js';
import { createPgliteDatabase } from '../../runtime/db/pglite.js';
import { spawnGateway } from '../helpers/process.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';

/** Issue 16 #4: a second process on an embedded data folder says which process holds it, and stops. */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
const run = promisify(execFile);

afterAll(() => removeTempDirs());

const dataDir = () => join(tempDir('oasis-lock-'), 'pglite');

describe('data folder lock (in process)', () => {
  it('refuses a second holder and is free again after release', () => {
    const dir = dataDir();
    const lock = lockDataFolder(dir);
    expect(() => lockDataFolder(dir)).toThrow(DataFolderInUseError);
    lock.release();
    expect(existsSync(lockPathOf(dir))).toBe(false);
    lockDataFolder(dir).release();
  });

  it('takes over a lock left by a process that no longer runs', () => {
    const dir = dataDir();
    // Pids are below 2^22 on Linux: this one cannot be running.
    writeFileSync(lockPathOf(dir), '99999999\n');
    const lock = lockDataFolder(dir);
    lock.release();
  });

  it('names a running owner', () => {
    const dir = dataDir();
    // pid 1 always runs (and is not ours).
    writeFileSync(lockPathOf(dir), '1\n');
    expect(() => lockDataFolder(dir)).toThrow(`the data folder ${dir} is in use by process 1`);
  });

  it('an embedded database holds its folder until it is closed', async () => {
    const dir = dataDir();
    const db = await createPgliteDatabase({ dataDir: dir });
    await expect(createPgliteDatabase({ dataDir: dir })).rejects.toThrow(DataFolderInUseError);
    await db.close();
    const again = await createPgliteDatabase({ dataDir: dir });
    await again.close();
  });
});

describe('data folder lock (processes)', () => {
  it('a second gateway and npm run migrate on a folder in use refuse with one line naming the holder', async () => {
    const dir = dataDir();
    const env = { OASIS_DATA_DIR: dir, SUPABASE_JWT_SECRET: '', GITHUB_WEBHOOK_SECRET: '' };
    const first = await spawnGateway({ env });
    try {
      const holder = Number(readFileSync(lockPathOf(dir), 'utf8'));
      const expected = `the data folder ${dir} is in use by process ${holder}`;

      const second = spawnGateway({ env });
      await expect(second).rejects.toThrow(expected);

      const migrate = run(TSX, ['runtime/gateway/migrate-cli.ts'], { cwd: ROOT, env: { PATH: process.env.PATH, OASIS_DATA_DIR: dir } });
      const failure = await migrate.then(
        () => null,
        (error: { code: number; stdout: string }) => error,
      );
      expect(failure?.code).toBe(1);
      const lines = failure!.stdout.trim().split('\n').map((line) => JSON.parse(line) as { severity: string; message: string });
      expect(lines).toEqual([expect.objectContaining({ severity: 'CRITICAL', message: expect.stringContaining(expected) })]);

      // The first gateway is untouched by either attempt.
      expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
    } finally {
      await first.stop();
    }
    // A clean stop releases the folder: migrate now runs.
    expect(existsSync(lockPathOf(dir))).toBe(false);
    await run(TSX, ['runtime/gateway/migrate-cli.ts'], { cwd: ROOT, env: { PATH: process.env.PATH, OASIS_DATA_DIR: dir } });
  }, 90_000);
});
