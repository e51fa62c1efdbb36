import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { createPgDatabase } from '../../runtime/db/pg.js';
import { migrate, readMigrationFiles } from '../../runtime/db/migrate.js';
import { silentLogger } from '../../runtime/core/log.js';
import { REPO_ROOT } from './settings.js';

/**
 * The bench's scratch databases: `bench_<tag>_<pid>` on the configured server. One template gets this
 * project's migrations and policies (the same code the gateway runs at start); every receiver then gets
 * a fresh copy of it. Every database created here is dropped at the end, also on failure.
 */

export class ScratchDatabases {
  private readonly created = new Set<string>();
  private template: string | null = null;
  private refusing = false;
  readonly adminUrl: string;

  constructor(
    private readonly baseUrl: string,
    private readonly tag: string = String(process.pid),
  ) {
    const u = new URL(baseUrl);
    if (u.pathname === '' || u.pathname === '/') u.pathname = '/postgres';
    this.adminUrl = u.toString();
  }

  /** The URL of database `name` on this server, optionally through another host:port (the delay proxy). */
  urlOf(name: string, via?: { host: string; port: number }): string {
    const u = new URL(this.adminUrl);
    u.pathname = `/${name}`;
    if (via) {
      u.hostname = via.host;
      u.port = String(via.port);
    }
    return u.toString();
  }

  nameFor(purpose: string): string {
    return `bench_${purpose.replace(/[^a-z0-9]/gi, '').toLowerCase()}_${this.tag}`;
  }

  async admin<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[], database?: string): Promise<pg.QueryResult<T>> {
    const client = new pg.Client({ connectionString: database ? this.urlOf(database) : this.adminUrl });
    await client.connect();
    try {
      return await client.query<T>(sql, params);
    } finally {
      await client.end();
    }
  }

  async serverVersion(): Promise<string> {
    const { rows } = await this.admin<{ v: string }>('select version() as v');
    return rows[0]!.v;
  }

  /** Creates the migrated template once. */
  private async ensureTemplate(): Promise<string> {
    if (this.template) return this.template;
    const name = this.nameFor('template');
    await this.admin(`drop database if exists ${name} with (force)`);
    this.created.add(name);
    await this.admin(`create database ${name}`);
    const db = createPgDatabase({ url: this.urlOf(name), logger: silentLogger, max: 1 });
    try {
      await migrate(db, readMigrationFiles(REPO_ROOT), silentLogger);
    } finally {
      await db.close();
    }
    this.template = name;
    return name;
  }

  /** From now on no database is created (the run is being interrupted). */
  refuseNew(): void {
    this.refusing = true;
  }

  /** A fresh database with the project's schema (a copy of the migrated template). Returns its name. */
  async fresh(purpose: string): Promise<string> {
    if (this.refusing) throw new Error('the bench is stopping: no new database');
    const template = await this.ensureTemplate();
    const name = this.nameFor(purpose);
    await this.admin(`drop database if exists ${name} with (force)`);
    this.created.add(name);
    await this.admin(`create database ${name} template ${template}`);
    return name;
  }

  async drop(name: string): Promise<void> {
    await this.admin(`drop database if exists ${name} with (force)`);
    this.created.delete(name);
  }

  /** The mean round trip of a trivial query, in ms, directly or through another host:port (the delay proxy). */
  async roundTripMs(via?: { host: string; port: number }, count = 200): Promise<number> {
    const client = new pg.Client({ connectionString: this.urlOf(new URL(this.adminUrl).pathname.slice(1), via) });
    await client.connect();
    try {
      for (let i = 0; i < 20; i++) await client.query('select 1');
      const started = performance.now();
      for (let i = 0; i < count; i++) await client.query('select $1::int as n', [i]);
      return Math.round(((performance.now() - started) / count) * 1000) / 1000;
    } finally {
      await client.end();
    }
  }

  /** Rows of public.oasis_events (direct connection, not through any proxy). */
  async countEvents(name: string, where = 'true', params: unknown[] = []): Promise<number> {
    const { rows } = await this.admin<{ n: string }>(`select count(*) as n from public.oasis_events where ${where}`, params, name);
    return Number(rows[0]!.n);
  }

  /** Drops everything this run created, and any leftover `bench_*_<tag>` database. */
  async dropAll(): Promise<string[]> {
    const leftovers = await this.admin<{ datname: string }>(`select datname from pg_database where datname like $1`, [`bench\\_%\\_${this.tag}`]).catch(() => ({ rows: [] }));
    const names = new Set([...this.created, ...leftovers.rows.map((r) => r.datname)]);
    const failed: string[] = [];
    // Copies first, the template last (it cannot be dropped while a copy is being made from it).
    for (const name of [...names].sort((a, b) => Number(a === this.template) - Number(b === this.template))) {
      try {
        await this.drop(name);
      } catch {
        failed.push(name);
      }
    }
    return failed;
  }

  /** The last resort at process exit (no event loop left): psql, synchronously. */
  dropAllSync(): void {
    for (const name of this.created) {
      spawnSync('psql', [this.adminUrl, '-qAtc', `drop database if exists ${name} with (force)`], { stdio: 'ignore', timeout: 10_000 });
    }
    this.created.clear();
  }
}
