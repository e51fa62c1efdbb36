import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchResults } from '../../bench/report.js';
import { HAS_PG, TEST_DATABASE_URL } from '../helpers/db.js';

/**
 * `npm run bench` in its smoke scale (tiny counts, about half a minute), so the harness cannot rot:
 * it must finish, report every scenario with numbers and pass every correctness check (acknowledged
 * == stored, every answer good, ids distinct and gapless, every event delivered). It never asserts a
 * timing: the figures of a smoke run on a shared machine mean nothing.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// The octokit peer needs @octokit/webhooks (a devDependency); where it is not installed it is skipped.
const OCTOKIT = existsSync(join(ROOT, 'node_modules/@octokit/webhooks/package.json')) || Boolean(process.env.BENCH_NODE_PATH);

const title = HAS_PG ? 'npm run bench (BENCH_SCALE=smoke)' : 'npm run bench (BENCH_SCALE=smoke): skipped, TEST_DATABASE_URL is unset (no PostgreSQL to run against)';

describe.skipIf(!HAS_PG)(title, () => {
  // Made in beforeAll, not at collection: a skipped suite runs no hooks and would leave it behind.
  let dir = '';
  let resultsFile = '';
  let child: ChildProcess | undefined;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
    resultsFile = join(dir, 'results.json');
  });

  afterAll(async () => {
    // The harness cleans up after itself; this is for a run that timed out or crashed.
    if (child?.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await admin.connect();
      try {
        const { rows } = await admin.query<{ datname: string }>('select datname from pg_database where datname like $1', [`bench\\_%\\_${child.pid}`]);
        for (const { datname } of rows) await admin.query(`drop database if exists ${datname} with (force)`);
      } finally {
        await admin.end();
      }
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('finishes, reports every scenario with numbers, and every correctness check passes', { timeout: 180_000 }, async () => {
    let output = '';
    child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts'], {
      cwd: ROOT,
      env: { ...process.env, BENCH_SCALE: 'smoke', BENCH_RESULTS: resultsFile, BENCH_DATABASE_URL: TEST_DATABASE_URL },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        output += '\n(smoke run timed out after 150 s)';
        try {
          process.kill(-child!.pid!, 'SIGINT'); // the harness cleans up on SIGINT
        } catch {
          // gone
        }
      }, 150_000);
      child!.once('exit', (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    expect(code, output).toBe(0);

    const results = JSON.parse(readFileSync(resultsFile, 'utf8')) as BenchResults;
    const s = results.scenarios;
    expect(results.scale).toBe('smoke');
    expect(results.errors, output).toEqual({});
    expect(results.checksPassed, output).toBe(true);
    expect(results.table.filter((row) => row.result === 'CHECK FAILED' || row.result === 'error')).toEqual([]);
    const number = (x: unknown) => typeof x === 'number' && Number.isFinite(x);

    for (const ingest of [s.ingest, s.ingestTwoInstances]) {
      expect(ingest).toBeDefined();
      for (const kind of ['gateway', 'bare', 'octokit'] as const) {
        const receiver = ingest!.receivers[kind];
        if (kind === 'octokit' && !OCTOKIT) {
          expect(receiver.available).toBe(false);
          continue;
        }
        expect(receiver.available, `${kind}: ${receiver.skipped}`).toBe(true);
        for (const label of ['3 KB', '30 KB']) {
          const size = receiver.sizes[label]!;
          expect(size.acknowledged).toBeGreaterThan(0);
          expect(size.stored).toBe(size.acknowledged);
          expect(size.ok).toBe(true);
          expect(number(size.median.perSecond) && number(size.median.p50) && number(size.median.p99)).toBe(true);
        }
      }
    }
    expect(s.ingestTwoInstances!.instances).toBe(2);

    const live = s.liveLatency!;
    expect(live.received).toBe(live.sent);
    expect(live.stored).toBe(live.acknowledged);
    expect(live.acknowledged).toBe(live.sent);
    expect(live.ok).toBe(true);
    expect(number(live.median.p50) && number(live.median.p99)).toBe(true);

    const fanout = s.fanout!;
    expect(fanout.connected).toBe(fanout.clients);
    expect(fanout.delivered).toBe(fanout.expectedDeliveries);
    expect(fanout.ok).toBe(true);
    expect(number(fanout.median.p99) && number(fanout.median.peakRssMiB)).toBe(true);

    expect(s.query!.shapes.map((shape) => shape.name)).toEqual(['by vtid', 'by status+source', 'rare status+source', 'deep keyset page']);
    for (const shape of s.query!.shapes) {
      expect(shape.failed, shape.failures.join('\n')).toBe(0);
      expect(shape.requests).toBeGreaterThan(0);
      expect(number(shape.latencyMs.p50) && number(shape.latencyMs.p95)).toBe(true);
    }
    expect(s.query!.data.rareFailureActions).toBeGreaterThan(0);

    for (const run of [s.vtid!.one, s.vtid!.two]) {
      expect(run.created).toBe(run.creates);
      expect(run.duplicates).toBe(0);
      expect(run.gapless).toBe(true);
      expect(run.ledgerRows).toBe(run.creates);
    }
    expect(s.vtid!.two.instances).toBe(2);

    expect(s.coldStart!.runs.length).toBeGreaterThan(0);
    expect(number(s.coldStart!.medianMs)).toBe(true);

    expect(s.metrics!.shapes.map((shape) => shape.name)).toEqual(['90 days', '90 days, one service', '90 days, one module', '90 days, one repo']);
    for (const shape of s.metrics!.shapes) expect(shape.failed, shape.failures.join('\n')).toBe(0);
    expect(s.metrics!.rollouts).toBeGreaterThan(0);
    expect(s.metrics!.changeStarts).toBeGreaterThan(0);

    // The table printed on stdout names every scenario.
    for (const n of ['1 ingest', '2 two instances', '3 live latency', '4 fan-out', '5 query', '6 vtid', '7 cold start', '8 metrics']) expect(output).toContain(n);
  });
});
