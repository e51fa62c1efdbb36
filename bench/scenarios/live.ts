import { join } from 'node:path';
import type { LiveInput, LiveResult } from '../load/live.js';
import { runChild } from '../lib/processes.js';
import { startGateway, type Server } from '../lib/servers.js';
import { REPO_ROOT, WEBHOOK_SECRET } from '../lib/settings.js';
import { median } from '../lib/stats.js';
import type { ScenarioContext } from './context.js';

/**
 * Scenario 3: two gateway instances on one database; a steady stream of signed deliveries posted to
 * instance A, an SSE client on instance B; from POST sent to event received (one process, one clock).
 * A few rounds, each a fresh client process; the medians of the rounds are reported.
 */

export interface LiveRound extends LiveResult {
  stored: number;
  ok: boolean;
}

export interface LiveScenarioResult {
  rate: number;
  seconds: number;
  warmupSeconds: number;
  rounds: LiveRound[];
  median: { p50: number; p99: number; ackP50: number; ackP99: number; achievedRate: number };
  sent: number;
  acknowledged: number;
  received: number;
  stored: number;
  ok: boolean;
}

export async function runLive(ctx: ScenarioContext): Promise<LiveScenarioResult> {
  const { rate, seconds, warmupSeconds, rounds: roundCount } = ctx.settings.live;
  const database = await ctx.dbs.fresh('live');
  const servers: Server[] = [];
  try {
    const url = ctx.dbs.urlOf(database);
    servers.push(await startGateway({ image: ctx.image, databaseUrl: url, name: 'live-a', logDir: ctx.logDir }));
    servers.push(await startGateway({ image: ctx.image, databaseUrl: url, name: 'live-b', logDir: ctx.logDir }));
    const [a, b] = servers as [Server, Server];
    const rounds: LiveRound[] = [];
    for (let r = 0; r < roundCount; r++) {
      const before = await ctx.dbs.countEvents(database);
      const result = await runChild<LiveResult>(
        join(REPO_ROOT, 'bench/load/live.ts'),
        {
          postUrl: a.url,
          feedUrl: b.url,
          token: ctx.serviceToken,
          secret: WEBHOOK_SECRET,
          rate,
          seconds,
          warmupSeconds,
          bytes: 3 * 1024,
          tag: `${process.pid}r${r}`,
        } satisfies LiveInput,
        Math.max(60_000, (seconds + warmupSeconds) * 1000 * 5),
      );
      const stored = (await ctx.dbs.countEvents(database)) - before;
      const ok = result.rejected === 0 && result.acknowledged === result.sent && result.received === result.acknowledged && result.duplicates === 0 && stored === result.acknowledged;
      ctx.log(
        `  round ${r + 1}: ${result.sent} deliveries at ${result.achievedRate}/s to A; received on B ${result.received}; ` +
          `p50 ${result.latencyMs.p50} ms p99 ${result.latencyMs.p99} ms (${result.measured} timed; A's answer p50 ${result.ackMs.p50} p99 ${result.ackMs.p99} ms); stored ${stored}${ok ? '' : '  CHECK FAILED'}`,
      );
      rounds.push({ ...result, stored, ok });
    }
    const sum = (f: (r: LiveRound) => number) => rounds.reduce((n, r) => n + f(r), 0);
    return {
      rate,
      seconds,
      warmupSeconds,
      rounds,
      median: {
        p50: median(rounds.map((r) => r.latencyMs.p50)),
        p99: median(rounds.map((r) => r.latencyMs.p99)),
        ackP50: median(rounds.map((r) => r.ackMs.p50)),
        ackP99: median(rounds.map((r) => r.ackMs.p99)),
        achievedRate: median(rounds.map((r) => r.achievedRate)),
      },
      sent: sum((r) => r.sent),
      acknowledged: sum((r) => r.acknowledged),
      received: sum((r) => r.received),
      stored: sum((r) => r.stored),
      ok: rounds.every((r) => r.ok),
    };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await ctx.dbs.drop(database).catch(() => {});
  }
}
