import { join } from 'node:path';
import type { VtidInput, VtidResult } from '../load/vtid.js';
import { runChild } from '../lib/processes.js';
import { startGateway, type Server } from '../lib/servers.js';
import { REPO_ROOT } from '../lib/settings.js';
import type { ScenarioContext } from './context.js';

/**
 * Scenario 6: concurrent POST /vtid/create over HTTP, on one instance and then split over two
 * instances on one database; creates/s, and the ids distinct and gapless (checked from the answers
 * and against the ledger table).
 */

export interface VtidRun extends VtidResult {
  instances: number;
  ledgerRows: number;
  ok: boolean;
}

async function once(ctx: ScenarioContext, instances: number): Promise<VtidRun> {
  const database = await ctx.dbs.fresh(`vtid${instances}`);
  const servers: Server[] = [];
  try {
    const url = ctx.dbs.urlOf(database);
    for (let i = 0; i < instances; i++) servers.push(await startGateway({ image: ctx.image, databaseUrl: url, name: `vtid-${instances}-${i + 1}`, logDir: ctx.logDir }));
    const result = await runChild<VtidResult>(
      join(REPO_ROOT, 'bench/load/vtid.ts'),
      { urls: servers.map((s) => s.url), token: ctx.serviceToken, creates: ctx.settings.vtid.creates } satisfies VtidInput,
      300_000,
    );
    const { rows } = await ctx.dbs.admin<{ n: string; d: string }>('select count(*) as n, count(distinct vtid) as d from public."VtidLedger"', undefined, database);
    const ledgerRows = Number(rows[0]!.n);
    const ok = result.gapless && result.created === result.creates && ledgerRows === result.created && Number(rows[0]!.d) === ledgerRows;
    ctx.log(
      `  ${instances} instance(s): ${result.created}/${result.creates} created in ${result.elapsedSeconds} s = ${result.perSecond}/s; ${result.firstVtid}..${result.lastVtid}, ` +
        `duplicates ${result.duplicates}, gaps ${result.gaps}; ledger rows ${ledgerRows}${ok ? '' : '  CHECK FAILED ' + JSON.stringify(result.failed)}`,
    );
    return { ...result, instances, ledgerRows, ok };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await ctx.dbs.drop(database).catch(() => {});
  }
}

export async function runVtid(ctx: ScenarioContext): Promise<{ one: VtidRun; two: VtidRun }> {
  return { one: await once(ctx, 1), two: await once(ctx, 2) };
}
