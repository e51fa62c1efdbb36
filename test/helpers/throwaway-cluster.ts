import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

/**
 * A PostgreSQL cluster of the test's own, made with this machine's binaries (`pg_config --bindir`:
 * initdb, pg_ctl) in a folder under /tmp, on a free loopback port, so a test can stop and start the
 * database under a running gateway (never the shared server). PostgreSQL refuses to run as root:
 * when the tests run as root, every command runs as the `postgres` OS user (runuser), in a folder it
 * owns. remove() stops it and deletes the folder; it also happens when the test process exits.
 */

const run = promisify(execFile);

export interface ThrowawayCluster {
  port: number;
  /** A URL for `database` (created by createDatabase, or `postgres`). */
  url(database?: string): string;
  createDatabase(name: string): Promise<void>;
  /** pg_ctl stop: `fast` ends sessions and shuts down cleanly; `immediate` quits at once (crash recovery at the next start). */
  stop(mode: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  /** Stops it (if running) and removes its folder. Safe to call more than once. */
  remove(): Promise<void>;
}

interface Binaries {
  initdb: string;
  pgCtl: string;
  /** Prefix for every command: run as the postgres OS user when we are root. */
  asUser: string[];
  owner?: { uid: number; gid: number };
}

function findBinaries(): Binaries | string {
  let bindir: string;
  try {
    bindir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
  } catch {
    return 'pg_config is not on PATH (PostgreSQL server binaries not installed)';
  }
  const initdb = join(bindir, 'initdb');
  const pgCtl = join(bindir, 'pg_ctl');
  if (!existsSync(initdb) || !existsSync(pgCtl)) return `initdb or pg_ctl missing in ${bindir}`;
  if (process.getuid?.() !== 0) return { initdb, pgCtl, asUser: [] };
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    execFileSync('runuser', ['-u', 'postgres', '--', 'true']);
    return { initdb, pgCtl, asUser: ['runuser', '-u', 'postgres', '--'], owner: { uid, gid } };
  } catch {
    return 'running as root, and there is no postgres OS user to run the cluster as (or no runuser)';
  }
}

const binaries = findBinaries();

/** Why no throwaway cluster can be made here, or null when it can. */
export function throwawayClusterUnavailable(): string | null {
  return typeof binaries === 'string' ? binaries : null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startThrowawayCluster(): Promise<ThrowawayCluster> {
  if (typeof binaries === 'string') throw new Error(`no throwaway cluster: ${binaries}`);
  const { initdb, pgCtl, asUser, owner } = binaries;
  const dir = mkdtempSync('/tmp/oasis-cluster-');
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const data = join(dir, 'data');
  const port = await freePort();
  // [file, args] as this process must run them: through runuser when we are root.
  const as = (file: string, args: string[]): [string, string[]] => (asUser.length ? [asUser[0]!, [...asUser.slice(1), file, ...args]] : [file, args]);
  const command = (file: string, args: string[]) => run(...as(file, args));
  // fsync off: a test cluster need not survive the machine crashing, only PostgreSQL stopping.
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off -c max_connections=60`;
  const pgCtlStart = () => command(pgCtl, ['start', '-D', data, '-l', join(dir, 'log'), '-w', '-t', '60', '-o', options]);

  let removed = false;
  const removeNow = () => {
    if (removed) return;
    removed = true;
    try {
      execFileSync(...as(pgCtl, ['stop', '-D', data, '-m', 'immediate', '-w']), { stdio: 'ignore' });
    } catch {
      // not running
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // A test process that ends without its afterAll (a crash, Ctrl-C) leaves no cluster behind either.
  process.once('exit', removeNow);

  try {
    await command(initdb, ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
    await pgCtlStart();
  } catch (error) {
    removeNow();
    throw error;
  }

  const url = (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`;
  return {
    port,
    url,
    createDatabase: async (name) => {
      const client = new pg.Client({ connectionString: url() });
      await client.connect();
      try {
        await client.query(`create database "${name.replaceAll('"', '""')}"`);
      } finally {
        await client.end();
      }
    },
    stop: async (mode) => {
      await command(pgCtl, ['stop', '-D', data, '-m', mode, '-w', '-t', '60']);
    },
    start: async () => {
      await pgCtlStart();
    },
    remove: async () => {
      process.off('exit', removeNow);
      removeNow();
    },
  };
}
