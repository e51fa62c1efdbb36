import { windowDays, windowLengthDays, type MetricsWindow } from './window.js';

/**
 * The four keys from the repository's aggregate rows. Pure. Each row is one kind of fact, either
 * over the whole window (day null) or for one UTC day; this fills every day of the window (zeros
 * where nothing happened) and rounds nothing (clients choose their precision).
 *
 *   rollout   every rollout with an outcome; n = rollouts, failed = those that failed
 *   lead      one per change (VTID) at its first successful deployment: seconds since its first change
 *   recovery  one per failed rollout: seconds to the next successful rollout of its service (null: none yet)
 */

export type FactKind = 'rollout' | 'lead' | 'recovery';

export interface AggregateRow {
  kind: FactKind;
  /** `YYYY-MM-DD`, or null for the whole window. */
  day: string | null;
  n: number;
  failed: number;
  /** Facts with seconds (lead and recovery); the rest have none. */
  samples: number;
  median: number | null;
  p90: number | null;
}

export interface FourKeys {
  deploymentFrequency: { deployments: number; perDay: number; daily: Array<{ day: string; deployments: number }> };
  leadTime: { samples: number; medianSeconds: number | null; p90Seconds: number | null; daily: Array<{ day: string; samples: number; medianSeconds: number | null }> };
  changeFailureRate: { deployments: number; failed: number; rate: number | null; daily: Array<{ day: string; deployments: number; failed: number; rate: number | null }> };
  recoveryTime: {
    failures: number;
    samples: number;
    unrecovered: number;
    medianSeconds: number | null;
    p90Seconds: number | null;
    daily: Array<{ day: string; samples: number; medianSeconds: number | null }>;
  };
}

const EMPTY = { n: 0, failed: 0, samples: 0, median: null, p90: null };
const rate = (failed: number, total: number): number | null => (total > 0 ? failed / total : null);

export function fourKeys(rows: readonly AggregateRow[], window: MetricsWindow): FourKeys {
  const byKey = new Map(rows.map((row) => [`${row.kind}|${row.day ?? ''}`, row]));
  const find = (kind: FactKind, day: string | null) => byKey.get(`${kind}|${day ?? ''}`) ?? { ...EMPTY, kind, day };
  const days = windowDays(window);
  const rollouts = find('rollout', null);
  const lead = find('lead', null);
  const recovery = find('recovery', null);
  const successes = rollouts.n - rollouts.failed;
  return {
    deploymentFrequency: {
      deployments: successes,
      perDay: successes / windowLengthDays(window),
      daily: days.map((day) => {
        const row = find('rollout', day);
        return { day, deployments: row.n - row.failed };
      }),
    },
    leadTime: {
      samples: lead.samples,
      medianSeconds: lead.median,
      p90Seconds: lead.p90,
      daily: days.map((day) => {
        const row = find('lead', day);
        return { day, samples: row.samples, medianSeconds: row.median };
      }),
    },
    changeFailureRate: {
      deployments: rollouts.n,
      failed: rollouts.failed,
      rate: rate(rollouts.failed, rollouts.n),
      daily: days.map((day) => {
        const row = find('rollout', day);
        return { day, deployments: row.n, failed: row.failed, rate: rate(row.failed, row.n) };
      }),
    },
    recoveryTime: {
      failures: recovery.n,
      samples: recovery.samples,
      unrecovered: recovery.n - recovery.samples,
      medianSeconds: recovery.median,
      p90Seconds: recovery.p90,
      daily: days.map((day) => {
        const row = find('recovery', day);
        return { day, samples: row.samples, medianSeconds: row.median };
      }),
    },
  };
}
