import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IngestLoadInput, IngestLoadResult } from '../load/ingest.js';
import { signedPool } from '../lib/payloads.js';
import { runChild } from '../lib/processes.js';
import { PeerUnavailableError, startGateway, startPeer, type ReceiverKind, type Server } from '../lib/servers.js';
import { REPO_ROOT, WEBHOOK_SECRET, type IngestSettings } from '../lib/settings.js';
import { median, round } from '../lib/stats.js';
import type { ScenarioContext } from './context.js';

/**
 * Scenarios 1 and 2: signed workflow_run deliveries of ~3 KB and ~30 KB at fixed concurrency into the
 * gateway and its two peers, side by side: rounds interleaved (gateway, bare, octokit, then rotated),
 * medians reported. Each receiver kind has its own fresh database; the rows stored by every round are
 * counted and compared with the deliveries acknowledged. With `instances: 2` every kind runs twice on
 * its one database and the load is split over both (scenario 2, through the delay proxy).
 */

export const BODY_SIZES = [
  { label: '3 KB', bytes: 3 * 1024 },
  { label: '30 KB', bytes: 30 * 1024 },
] as const;

export const RECEIVERS: ReceiverKind[] = ['gateway', 'bare', 'octokit'];

export interface IngestRound extends IngestLoadResult {
  amount: number;
  stored: number;
  /** acknowledged == stored, and no response was refused or failed. */
  ok: boolean;
}

export interface SizeResult {
  bytes: number;
  warmup: IngestRound | null;
  rounds: IngestRound[];
  median: { perSecond: number; p50: number; p99: number };
  acknowledged: number;
  stored: number;
  ok: boolean;
}

export interface ReceiverResult {
  kind: ReceiverKind;
  available: boolean;
  skipped?: string;
  database?: string;
  instances: number;
  sizes: Record<string, SizeResult>;
}

export interface IngestResult {
  connections: number;
  instances: number;
  databaseDelayMs: number;
  /** Measured: a query's round trip to PostgreSQL directly and through the delay proxy (scenario 2). */
  roundTripMs?: { direct: number; viaProxy: number };
  roundSeconds: number;
  rounds: number;
  receivers: Record<ReceiverKind, ReceiverResult>;
}

export interface IngestOptions {
  label: string;
  settings: IngestSettings;
  instances: number;
  /** Where the receivers reach PostgreSQL (the delay proxy), default direct. */
  via?: { host: string; port: number };
  delayMs?: number;
}

function clampAmount(settings: IngestSettings, perSecond: number): number {
  return Math.round(Math.min(settings.maxAmount, Math.max(settings.minAmount, perSecond * settings.roundSeconds)));
}

export async function runIngest(ctx: ScenarioContext, options: IngestOptions): Promise<IngestResult> {
  const { settings } = options;
  const servers = new Map<ReceiverKind, Server[]>();
  const databases = new Map<ReceiverKind, string>();
  const receivers = {} as Record<ReceiverKind, ReceiverResult>;
  let roundTripMs: IngestResult['roundTripMs'];
  try {
    if (options.via) {
      roundTripMs = { direct: await ctx.dbs.roundTripMs(), viaProxy: await ctx.dbs.roundTripMs(options.via) };
      ctx.log(`  query round trip: direct ${roundTripMs.direct} ms, through the proxy ${roundTripMs.viaProxy} ms`);
    }
    for (const kind of RECEIVERS) {
      receivers[kind] = { kind, available: true, instances: options.instances, sizes: {} };
      const database = await ctx.dbs.fresh(`${options.label}_${kind}`);
      databases.set(kind, database);
      receivers[kind].database = database;
      const url = ctx.dbs.urlOf(database, options.via);
      const started: Server[] = [];
      servers.set(kind, started);
      try {
        for (let i = 0; i < options.instances; i++) {
          const name = `${options.label}-${kind}-${i + 1}`;
          started.push(
            kind === 'gateway'
              ? await startGateway({ image: ctx.image, databaseUrl: url, name, logDir: ctx.logDir })
              : await startPeer(kind, { databaseUrl: url, name, logDir: ctx.logDir }),
          );
        }
      } catch (error) {
        if (!(error instanceof PeerUnavailableError)) throw error;
        receivers[kind].available = false;
        receivers[kind].skipped = error.message;
        ctx.log(`  ${kind}: skipped (${error.message})`);
      }
    }
    const active = RECEIVERS.filter((kind) => receivers[kind].available);

    for (const size of BODY_SIZES) {
      const poolFile = join(ctx.workDir, `pool-${size.bytes}.json`);
      writeFileSync(poolFile, JSON.stringify(signedPool(size.bytes, 16, WEBHOOK_SECRET, options.label)));
      const runRound = async (kind: ReceiverKind, amount: number): Promise<IngestRound> => {
        const database = databases.get(kind)!;
        const before = await ctx.dbs.countEvents(database);
        const load = await runChild<IngestLoadResult>(
          join(REPO_ROOT, 'bench/load/ingest.ts'),
          {
            urls: servers.get(kind)!.map((s) => `${s.url}/webhooks/github`),
            connections: Math.min(settings.connections, amount),
            amount,
            poolFile,
            expect: kind === 'octokit' ? 'octokit-ok' : 'json-ack',
          } satisfies IngestLoadInput,
          600_000,
        );
        const stored = (await ctx.dbs.countEvents(database)) - before;
        const ok = stored === load.acknowledged && load.rejected === 0 && load.errors === 0 && load.acknowledged === amount;
        ctx.log(
          `  ${size.label.padEnd(5)} ${kind.padEnd(7)} ${round(load.perSecond, 0).toString().padStart(6)}/s  p50 ${load.latencyMs.p50} ms  p99 ${load.latencyMs.p99} ms  ` +
            `acknowledged ${load.acknowledged} stored ${stored}${ok ? '' : `  MISMATCH/REJECTED ${JSON.stringify(load.statusCounts)} ${load.rejectedSamples[0] ?? ''}`}`,
        );
        return { ...load, amount, stored, ok };
      };

      const amounts = new Map<ReceiverKind, number>();
      const warmups = new Map<ReceiverKind, IngestRound>();
      for (const kind of active) {
        if (settings.warmupAmount > 0) {
          const warm = await runRound(kind, settings.warmupAmount);
          warmups.set(kind, warm);
          amounts.set(kind, clampAmount(settings, warm.perSecond));
        } else {
          amounts.set(kind, settings.minAmount);
        }
      }
      const rounds = new Map<ReceiverKind, IngestRound[]>(active.map((k) => [k, []]));
      for (let r = 0; r < settings.rounds; r++) {
        // Rotate the order so no receiver always runs first (or right after the same neighbour).
        const order = active.map((_, i) => active[(i + r) % active.length]!);
        for (const kind of order) {
          const result = await runRound(kind, amounts.get(kind)!);
          rounds.get(kind)!.push(result);
          // Recalibrate from the latest round, so every round lasts about roundSeconds.
          amounts.set(kind, clampAmount(settings, result.perSecond));
        }
      }
      for (const kind of active) {
        const list = rounds.get(kind)!;
        const all = [...(warmups.has(kind) ? [warmups.get(kind)!] : []), ...list];
        receivers[kind].sizes[size.label] = {
          bytes: size.bytes,
          warmup: warmups.get(kind) ?? null,
          rounds: list,
          median: {
            perSecond: round(median(list.map((x) => x.perSecond)), 1),
            p50: median(list.map((x) => x.latencyMs.p50)),
            p99: median(list.map((x) => x.latencyMs.p99)),
          },
          acknowledged: all.reduce((n, x) => n + x.acknowledged, 0),
          stored: all.reduce((n, x) => n + x.stored, 0),
          ok: all.every((x) => x.ok),
        };
      }
    }
  } finally {
    await Promise.all([...servers.values()].flat().map((s) => s.stop()));
    for (const database of databases.values()) await ctx.dbs.drop(database).catch(() => {});
  }
  return {
    connections: settings.connections,
    instances: options.instances,
    databaseDelayMs: options.delayMs ?? 0,
    ...(roundTripMs ? { roundTripMs } : {}),
    roundSeconds: settings.roundSeconds,
    rounds: settings.rounds,
    receivers,
  };
}
