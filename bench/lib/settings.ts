import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Every knob of `npm run bench` in one place. BENCH_SCALE=smoke shrinks every count so the whole run
 * takes seconds (the smoke test in `npm test` runs it so the harness cannot rot); the default is full.
 */

export type Scale = 'smoke' | 'full';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Secrets of the bench's own gateways and peers (scratch databases, loopback only). */
export const JWT_SECRET = 'bench-jwt-secret-bench-jwt-secret-0123456789';
export const WEBHOOK_SECRET = 'bench-github-webhook-secret';

export interface IngestSettings {
  /** Open connections of the load generator, split evenly over the instances. */
  connections: number;
  /** Each measured round sends about this many seconds' worth of deliveries (calibrated by the warmup). */
  roundSeconds: number;
  rounds: number;
  /** Deliveries of the warmup round of each receiver (0: no warmup, every round sends minAmount). */
  warmupAmount: number;
  minAmount: number;
  maxAmount: number;
}

export interface BenchSettings {
  scale: Scale;
  ingest: IngestSettings;
  twoInstances: IngestSettings & { delayMs: number };
  /** Each round: `warmupSeconds` at the rate (delivered and checked, not timed), then `seconds` measured. */
  live: { rate: number; seconds: number; warmupSeconds: number; rounds: number };
  fanout: { clients: number; events: number; intervalMs: number; rounds: number };
  query: { rows: number; requests: number; maxSecondsPerShape: number };
  /** The four keys over a 90-day window of `rows` generated events. */
  metrics: { rows: number; requests: number; maxSecondsPerShape: number };
  vtid: { creates: number };
  coldStart: { runs: number };
}

const FULL: BenchSettings = {
  scale: 'full',
  ingest: { connections: 20, roundSeconds: 4, rounds: 3, warmupAmount: 300, minAmount: 200, maxAmount: 40_000 },
  twoInstances: { connections: 20, roundSeconds: 4, rounds: 3, warmupAmount: 200, minAmount: 100, maxAmount: 40_000, delayMs: 1 },
  live: { rate: 200, seconds: 4, warmupSeconds: 1, rounds: 3 },
  fanout: { clients: 1000, events: 100, intervalMs: 50, rounds: 3 },
  query: { rows: 1_000_000, requests: 200, maxSecondsPerShape: 10 },
  metrics: { rows: 1_000_000, requests: 100, maxSecondsPerShape: 30 },
  vtid: { creates: 1000 },
  coldStart: { runs: 3 },
};

const SMOKE: BenchSettings = {
  scale: 'smoke',
  ingest: { connections: 4, roundSeconds: 0.5, rounds: 1, warmupAmount: 0, minAmount: 20, maxAmount: 20 },
  twoInstances: { connections: 4, roundSeconds: 0.5, rounds: 1, warmupAmount: 0, minAmount: 20, maxAmount: 20, delayMs: 1 },
  live: { rate: 200, seconds: 0.25, warmupSeconds: 0, rounds: 1 },
  fanout: { clients: 10, events: 10, intervalMs: 20, rounds: 1 },
  query: { rows: 10_000, requests: 20, maxSecondsPerShape: 5 },
  metrics: { rows: 5_000, requests: 10, maxSecondsPerShape: 5 },
  vtid: { creates: 20 },
  coldStart: { runs: 1 },
};

export function benchSettings(env: NodeJS.ProcessEnv = process.env): BenchSettings {
  const scale = (env.BENCH_SCALE ?? 'full').trim().toLowerCase();
  if (scale !== 'full' && scale !== 'smoke') throw new Error(`BENCH_SCALE must be full or smoke, got "${env.BENCH_SCALE}"`);
  return scale === 'smoke' ? SMOKE : FULL;
}

/** The PostgreSQL server (any database path is the one used for admin statements; default postgres). */
export function databaseBaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432';
}

export function resultsPath(scale: Scale, env: NodeJS.ProcessEnv = process.env): string {
  if (env.BENCH_RESULTS) return env.BENCH_RESULTS;
  // A smoke run never overwrites the committed full results.
  return scale === 'full' ? join(REPO_ROOT, 'bench', 'results.json') : join(tmpdir(), `vitana-bench-smoke-${process.pid}.json`);
}
