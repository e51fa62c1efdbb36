import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FanoutInput, FanoutResult } from '../load/fanout.js';
import { runChild } from '../lib/processes.js';
import { startGateway } from '../lib/servers.js';
import { REPO_ROOT } from '../lib/settings.js';
import { median } from '../lib/stats.js';
import type { ScenarioContext } from './context.js';

/**
 * Scenario 4: many SSE clients on one gateway instance, a run of events; delivery latency to every
 * client, and the gateway process's peak resident memory (VmHWM of its /proc status) and its RSS
 * sampled while the clients are connected.
 */

export interface FanoutRound extends FanoutResult {
  /** CPU seconds the gateway process used while the client ran. */
  gatewayCpuSeconds: number;
  rssIdleMiB: number;
  rssMaxSampledMiB: number;
  /** VmHWM: the peak resident set of this round's gateway process over its whole life. */
  peakRssMiB: number;
  stored: number;
  ok: boolean;
}

export interface FanoutScenarioResult {
  clients: number;
  events: number;
  intervalMs: number;
  /** Each round is the whole experiment on a freshly started gateway (same database). */
  rounds: FanoutRound[];
  /** Medians over the rounds. */
  median: { p50: number; p99: number; peakRssMiB: number; rssIdleMiB: number };
  connected: number;
  delivered: number;
  expectedDeliveries: number;
  ok: boolean;
}

/** A field of /proc/<pid>/status in MiB (VmRSS, VmHWM). */
export function procStatusMiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round((Number(match[1]) / 1024) * 10) / 10 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** utime + stime of a process in seconds (/proc/<pid>/stat, clock ticks of 1/100 s). */
export function procCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

async function round(ctx: ScenarioContext, database: string, r: number): Promise<FanoutRound> {
  const { clients, events, intervalMs } = ctx.settings.fanout;
  // The default cap (FEED_MAX_CLIENTS=1000) is kept when it is enough.
  const env: Record<string, string> = clients > 1000 ? { FEED_MAX_CLIENTS: String(clients) } : {};
  const gateway = await startGateway({ image: ctx.image, databaseUrl: ctx.dbs.urlOf(database), name: `fanout-${r + 1}`, logDir: ctx.logDir, env });
  const pid = gateway.pid;
  const rssIdleMiB = procStatusMiB(pid, 'VmRSS');
  let rssMaxSampledMiB = rssIdleMiB;
  const sampler = setInterval(() => {
    const rss = procStatusMiB(pid, 'VmRSS');
    if (rss > rssMaxSampledMiB) rssMaxSampledMiB = rss;
  }, 100);
  try {
    const before = await ctx.dbs.countEvents(database, `source = 'bench.fanout'`);
    const cpuBefore = procCpuSeconds(pid);
    const result = await runChild<FanoutResult>(
      join(REPO_ROOT, 'bench/load/fanout.ts'),
      { url: gateway.url, token: ctx.serviceToken, clients, events, intervalMs, tag: `${process.pid}r${r}` } satisfies FanoutInput,
      300_000,
    );
    const gatewayCpuSeconds = Math.round((procCpuSeconds(pid) - cpuBefore) * 100) / 100;
    const peakRssMiB = procStatusMiB(pid, 'VmHWM');
    const stored = (await ctx.dbs.countEvents(database, `source = 'bench.fanout'`)) - before;
    const ok = result.connected === clients && result.acknowledged === events && result.delivered === clients * events && result.duplicates === 0 && stored === result.acknowledged;
    ctx.log(
      `  round ${r + 1}: ${result.connected}/${clients} clients (connected in ${result.connectSeconds} s), ${result.acknowledged}/${events} events, ` +
        `${result.delivered}/${clients * events} deliveries; p50 ${result.latencyMs.p50} ms p99 ${result.latencyMs.p99} ms; ` +
        `RSS idle ${rssIdleMiB} MiB peak ${peakRssMiB} MiB; CPU s gateway ${gatewayCpuSeconds} client ${result.clientCpuSeconds} in ${result.postSeconds} s` +
        (ok ? '' : `  CHECK FAILED ${JSON.stringify(result.refused)}`),
    );
    return { ...result, gatewayCpuSeconds, rssIdleMiB, rssMaxSampledMiB, peakRssMiB, stored, ok };
  } finally {
    clearInterval(sampler);
    await gateway.stop();
  }
}

export async function runFanout(ctx: ScenarioContext): Promise<FanoutScenarioResult> {
  const { clients, events, intervalMs, rounds: roundCount } = ctx.settings.fanout;
  const database = await ctx.dbs.fresh('fanout');
  try {
    const rounds: FanoutRound[] = [];
    for (let r = 0; r < roundCount; r++) rounds.push(await round(ctx, database, r));
    return {
      clients,
      events,
      intervalMs,
      rounds,
      median: {
        p50: median(rounds.map((r) => r.latencyMs.p50)),
        p99: median(rounds.map((r) => r.latencyMs.p99)),
        peakRssMiB: median(rounds.map((r) => r.peakRssMiB)),
        rssIdleMiB: median(rounds.map((r) => r.rssIdleMiB)),
      },
      connected: Math.min(...rounds.map((r) => r.connected)),
      delivered: rounds.reduce((n, r) => n + r.delivered, 0),
      expectedDeliveries: clients * events * roundCount,
      ok: rounds.every((r) => r.ok),
    };
  } finally {
    await ctx.dbs.drop(database).catch(() => {});
  }
}
