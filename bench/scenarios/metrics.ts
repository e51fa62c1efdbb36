import { join } from 'node:path';
import type { GeneratedStats } from '../data/events-csv.js';
import type { QueryInput, QueryShape, ShapeResult } from '../load/query.js';
import { runChild } from '../lib/processes.js';
import { startGateway, type Server } from '../lib/servers.js';
import { REPO_ROOT } from '../lib/settings.js';
import type { ScenarioContext } from './context.js';
import { load } from './query.js';

/**
 * Scenario 8: the four keys (GET /api/v1/oasis/metrics) over a 90-day window of generated events
 * (bench/data/events-csv.ts: 90 days of history, deploys with service and revision, pull requests and
 * pushes tagged with the same VTIDs). COPY fires no triggers, so the rollups are then rebuilt from the
 * table (oasis_metrics_rebuild, the same rules the insert trigger applies; the integration test proves
 * the two equal). A child measures each shape sequentially, as scenario 5 does.
 */

export interface MetricsScenarioResult {
  rows: number;
  loadSeconds: number;
  /** Rows of the rollups after the rebuild. */
  rollouts: number;
  changeStarts: number;
  data: GeneratedStats;
  shapes: ShapeResult[];
}

export async function runMetrics(ctx: ScenarioContext): Promise<MetricsScenarioResult> {
  const { rows, requests, maxSecondsPerShape } = ctx.settings.metrics;
  const database = await ctx.dbs.fresh('metrics');
  let gateway: Server | undefined;
  try {
    const loadStart = performance.now();
    const data = await load(ctx, database, rows);
    await ctx.dbs.admin('select public.oasis_metrics_rebuild()', undefined, database);
    await ctx.dbs.admin('vacuum analyze', undefined, database);
    const loadSeconds = Math.round((performance.now() - loadStart) / 100) / 10;
    const count = async (table: string) => Number((await ctx.dbs.admin<{ n: string }>(`select count(*) as n from public.${table}`, undefined, database)).rows[0]!.n);
    const rollouts = await count('oasis_deployments');
    const changeStarts = await count('oasis_change_starts');
    ctx.log(`  loaded ${rows} rows and rebuilt the rollups in ${loadSeconds} s: ${rollouts} rollouts, ${changeStarts} change starts`);

    const until = new Date();
    const since = new Date(until.getTime() - 90 * 86_400_000);
    const base = `/api/v1/oasis/metrics?since=${since.toISOString()}&until=${until.toISOString()}`;
    const shapes: QueryShape[] = [
      { name: '90 days', paths: [base], answer: 'object' },
      { name: '90 days, one service', paths: [`${base}&service=gateway`, `${base}&service=worker`], answer: 'object' },
      { name: '90 days, one module', paths: [`${base}&module=CICDL`, `${base}&module=OASIS`], answer: 'object' },
      { name: '90 days, one repo', paths: [`${base}&repo=vitana-platform/vitana-oasis`], answer: 'object' },
    ];
    gateway = await startGateway({ image: ctx.image, databaseUrl: ctx.dbs.urlOf(database), name: 'metrics', logDir: ctx.logDir });
    const result = await runChild<{ shapes: ShapeResult[] }>(
      join(REPO_ROOT, 'bench/load/query.ts'),
      { url: gateway.url, token: ctx.serviceToken, shapes, requests, maxSecondsPerShape, warmup: 3 } satisfies QueryInput,
      600_000,
    );
    for (const s of result.shapes) ctx.log(`  ${s.name.padEnd(22)} p50 ${s.latencyMs.p50} ms  p95 ${s.latencyMs.p95} ms  (${s.requests} requests, ${s.failed} failed)`);
    return { rows, loadSeconds, rollouts, changeStarts, data, shapes: result.shapes };
  } finally {
    await gateway?.stop();
    await ctx.dbs.drop(database).catch(() => {});
  }
}
