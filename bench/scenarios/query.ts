import { join } from 'node:path';
import { COPY_COLUMNS, writeEventsCsv, type GeneratedStats } from '../data/events-csv.js';
import type { QueryInput, QueryShape, ShapeResult } from '../load/query.js';
import { runChild, spawnGroup } from '../lib/processes.js';
import { startGateway, type Server } from '../lib/servers.js';
import { REPO_ROOT } from '../lib/settings.js';
import type { ScenarioContext } from './context.js';

/**
 * Scenario 5: the query API over a large table. The rows are generated (bench/data/events-csv.ts) and
 * streamed into `COPY public.oasis_events FROM STDIN` through psql, with the notify trigger off for the
 * load (session_replication_role = replica: a million NOTIFYs in one transaction would measure the
 * loader, not the table), then VACUUM ANALYZE. The gateway then starts on that database and a child
 * measures each query shape sequentially.
 */

export interface QueryResult {
  rows: number;
  loadSeconds: number;
  data: GeneratedStats;
  shapes: ShapeResult[];
  /** EXPLAIN ANALYZE of each shape's SQL as the repository runs it (run as superuser), for diagnosis. */
  plans: Record<string, string[]>;
}

/** Streams `rows` generated events into `database` with COPY (no triggers fire: see above). */
export async function load(ctx: ScenarioContext, database: string, rows: number): Promise<GeneratedStats> {
  const copy = `\\copy public.oasis_events (${COPY_COLUMNS.join(', ')}) from pstdin with (format csv)`;
  const psql = spawnGroup('psql', [ctx.dbs.urlOf(database), '-v', 'ON_ERROR_STOP=1', '-q', '-c', 'set session_replication_role = replica', '-c', copy], {
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let stderr = '';
  psql.child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  psql.child.stdin!.on('error', () => {}); // psql failing mid-stream is reported by its exit code
  const stats = await writeEventsCsv(psql.child.stdin!, rows);
  const code = await psql.exited;
  if (code !== 0) throw new Error(`COPY through psql failed (exit ${code}): ${stderr.slice(0, 2000)}`);
  return stats;
}

export async function runQuery(ctx: ScenarioContext): Promise<QueryResult> {
  const { rows, requests, maxSecondsPerShape } = ctx.settings.query;
  const database = await ctx.dbs.fresh('query');
  let gateway: Server | undefined;
  try {
    const loadStart = performance.now();
    const data = await load(ctx, database, rows);
    await ctx.dbs.admin('vacuum analyze public.oasis_events', undefined, database);
    const loadSeconds = Math.round((performance.now() - loadStart) / 100) / 10;
    const stored = await ctx.dbs.countEvents(database);
    if (stored !== rows) throw new Error(`COPY stored ${stored} rows, expected ${rows}`);
    ctx.log(`  loaded ${rows} rows in ${loadSeconds} s (COPY + VACUUM ANALYZE); failed github.actions rows: ${data.rareFailureActions}`);

    const { rows: ids } = await ctx.dbs.admin<{ min: string; max: string }>('select min(id) as min, max(id) as max from public.oasis_events', undefined, database);
    const min = Number(ids[0]!.min);
    const max = Number(ids[0]!.max);
    const deep = [0.05, 0.06, 0.07, 0.08].map((f) => Math.round(min + (max - min) * f));
    const shapes: QueryShape[] = [
      { name: 'by vtid', paths: data.sampleVtids.map((v) => `/api/v1/oasis/events?vtid=${v}`) },
      { name: 'by status+source', paths: ['/api/v1/oasis/events?status=success&source=github.actions', '/api/v1/oasis/events?status=failure&source=gcp.cloudrun'] },
      { name: 'rare status+source', paths: ['/api/v1/oasis/events?status=failure&source=github.actions'] },
      { name: 'deep keyset page', paths: deep.map((id) => `/api/v1/oasis/events?before=${id}`) },
    ];

    gateway = await startGateway({ image: ctx.image, databaseUrl: ctx.dbs.urlOf(database), name: 'query', logDir: ctx.logDir });
    const result = await runChild<{ shapes: ShapeResult[] }>(
      join(REPO_ROOT, 'bench/load/query.ts'),
      { url: gateway.url, token: ctx.serviceToken, shapes, requests, maxSecondsPerShape, warmup: 5 } satisfies QueryInput,
      600_000,
    );
    for (const s of result.shapes) {
      ctx.log(`  ${s.name.padEnd(19)} p50 ${s.latencyMs.p50} ms  p95 ${s.latencyMs.p95} ms  (${s.requests} requests, ${s.failed} failed)`);
    }

    const cols = 'id, ts, vtid, source, kind, status, layer, module, title, repo, ref, sha, actor, url, external_id, tenant, metadata';
    const explain = async (where: string, params: unknown[]) => {
      const { rows: plan } = await ctx.dbs.admin<{ 'QUERY PLAN': string }>(
        `explain (analyze, buffers) select ${cols} from public.oasis_events ${where} order by id desc limit 50 offset 0`,
        params,
        database,
      );
      return plan.map((r) => r['QUERY PLAN']);
    };
    const plans = {
      'by vtid': await explain('where vtid = $1', [data.sampleVtids[0]]),
      'by status+source': await explain('where source = $1 and status = $2', ['github.actions', 'success']),
      'rare status+source': await explain('where source = $1 and status = $2', ['github.actions', 'failure']),
      'deep keyset page': await explain('where id < $1', [deep[0]]),
    };
    return { rows, loadSeconds, data, shapes: result.shapes, plans };
  } finally {
    await gateway?.stop();
    await ctx.dbs.drop(database).catch(() => {});
  }
}
