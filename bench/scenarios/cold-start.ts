import { join } from 'node:path';
import { freePort, logStdio, probe, readTail, sleep, spawnGroup } from '../lib/processes.js';
import { gatewayEnv } from '../lib/servers.js';
import { median, round } from '../lib/stats.js';
import type { ScenarioContext } from './context.js';

/**
 * Scenario 7: from spawning `node dist/gateway.js` (on a database already migrated) to the first 200
 * from /readyz, polled every 5 ms. The median of a few starts.
 */

export interface ColdStartResult {
  runs: number[];
  medianMs: number;
}

export async function runColdStart(ctx: ScenarioContext): Promise<ColdStartResult> {
  const database = await ctx.dbs.fresh('coldstart');
  const runs: number[] = [];
  try {
    for (let i = 0; i < ctx.settings.coldStart.runs; i++) {
      const port = await freePort();
      const logFile = join(ctx.logDir, `coldstart-${i + 1}.log`);
      const log = logStdio(logFile);
      const url = `http://127.0.0.1:${port}/readyz`;
      const started = performance.now();
      const proc = spawnGroup(process.execPath, ['dist/gateway.js'], { cwd: ctx.image, env: gatewayEnv(ctx.dbs.urlOf(database), port), stdio: log.stdio });
      log.close();
      try {
        for (;;) {
          if ((await probe(url, 1_000)) === 200) break;
          if (proc.child.exitCode !== null) throw new Error(`the gateway exited during a cold start:\n${readTail(logFile)}`);
          if (performance.now() - started > 30_000) throw new Error(`the gateway was not ready within 30 s:\n${readTail(logFile)}`);
          await sleep(5);
        }
        runs.push(round(performance.now() - started, 1));
      } finally {
        await proc.stop();
      }
    }
    ctx.log(`  ${runs.map((ms) => `${ms} ms`).join(', ')}`);
    return { runs, medianMs: median(runs) };
  } finally {
    await ctx.dbs.drop(database).catch(() => {});
  }
}
