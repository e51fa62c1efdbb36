import type { NewEvent } from '../../runtime/events/new-event.js';

/**
 * The four keys computed from a list of events by the definitions in docs/METRICS.md, written
 * independently of the gateway's SQL (plain loops over the events), for the tests to compare with.
 */

export interface ReferenceFilters {
  tenant?: string;
  service?: string;
  repo?: string;
  layer?: string;
  module?: string;
}

interface Rollout {
  tenant: string;
  service: string;
  key: string;
  at: number;
  status: 'success' | 'failure';
  vtid: string;
  layer: string | null;
  module: string | null;
}

const DAY = 86_400_000;

/** percentile_cont: linear interpolation between the closest ranks. */
export function percentile(values: number[], p: number): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = p * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

const meta = (event: NewEvent, key: string) => (typeof event.metadata[key] === 'string' && event.metadata[key] !== '' ? (event.metadata[key] as string) : null);

/** One row per rollout: its earliest outcome event. */
export function referenceRollouts(events: readonly NewEvent[]): Rollout[] {
  const rollouts = new Map<string, Rollout>();
  for (const e of events) {
    if (e.source !== 'gcp.cloudrun' || e.kind !== 'deploy' || (e.status !== 'success' && e.status !== 'failure')) continue;
    const service = meta(e, 'service') ?? 'unknown';
    const key = meta(e, 'revision') ?? `event:${e.externalId}`;
    const id = `${e.tenant}|${service}|${key}`;
    const at = Date.parse(e.ts!);
    const seen = rollouts.get(id);
    if (!seen || at < seen.at) rollouts.set(id, { tenant: e.tenant, service, key, at, status: e.status, vtid: e.vtid, layer: e.layer ?? null, module: e.module ?? null });
  }
  return [...rollouts.values()];
}

/** (tenant, vtid, repo) -> the first change. */
export function referenceChangeStarts(events: readonly NewEvent[]): Map<string, number> {
  const starts = new Map<string, number>();
  for (const e of events) {
    if (e.source !== 'github' || e.vtid === 'UNSET') continue;
    if (!(e.kind === 'pull_request' || (e.kind === 'push' && e.status === 'success'))) continue;
    const id = `${e.tenant}|${e.vtid}|${e.repo ?? ''}`;
    const at = Date.parse(e.ts!);
    if (!starts.has(id) || at < starts.get(id)!) starts.set(id, at);
  }
  return starts;
}

/** `tenant|vtid|first successful rollout|first change` per VTID with either (ISO times, '' for none). */
export function referenceChangeLeads(events: readonly NewEvent[]): string[] {
  const leads = new Map<string, { deployed: number | null; changed: number | null }>();
  const entry = (tenant: string, vtid: string) => {
    const id = `${tenant}|${vtid}`;
    if (!leads.has(id)) leads.set(id, { deployed: null, changed: null });
    return leads.get(id)!;
  };
  for (const r of referenceRollouts(events)) {
    if (r.status !== 'success' || r.vtid === 'UNSET') continue;
    const e = entry(r.tenant, r.vtid);
    if (e.deployed === null || r.at < e.deployed) e.deployed = r.at;
  }
  for (const [id, at] of referenceChangeStarts(events)) {
    const [tenant, vtid] = id.split('|') as [string, string];
    const e = entry(tenant, vtid);
    if (e.changed === null || at < e.changed) e.changed = at;
  }
  const iso = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString());
  return [...leads].map(([id, e]) => `${id}|${iso(e.deployed)}|${iso(e.changed)}`).sort();
}

const dayOf = (ms: number) => new Date(Math.floor(ms / DAY) * DAY).toISOString().slice(0, 10);

export function referenceFourKeys(events: readonly NewEvent[], since: number, until: number, f: ReferenceFilters = {}) {
  const starts = referenceChangeStarts(events);
  const changeStart = (tenant: string, vtid: string): number | null => {
    let first: number | null = null;
    for (const [id, at] of starts) {
      const [t, v, repo] = id.split('|');
      if (t === tenant && v === vtid && (f.repo === undefined || repo === f.repo) && (first === null || at < first)) first = at;
    }
    return first;
  };
  const hasChangeIn = (tenant: string, vtid: string, repo: string) => starts.has(`${tenant}|${vtid}|${repo}`);
  const selected = referenceRollouts(events).filter(
    (r) =>
      (f.tenant === undefined || r.tenant === f.tenant) &&
      (f.service === undefined || r.service === f.service) &&
      (f.layer === undefined || r.layer === f.layer) &&
      (f.module === undefined || r.module === f.module) &&
      (f.repo === undefined || hasChangeIn(r.tenant, r.vtid, f.repo)),
  );
  const windowed = selected.filter((r) => r.at >= since && r.at < until);
  const days: string[] = [];
  for (let d = Math.floor(since / DAY); d <= Math.floor((until - 1) / DAY); d++) days.push(dayOf(d * DAY));

  const lead: Array<{ at: number; seconds: number }> = [];
  for (const r of windowed) {
    if (r.status !== 'success' || r.vtid === 'UNSET') continue;
    const earlier = selected.some((o) => o.tenant === r.tenant && o.vtid === r.vtid && o.status === 'success' && o.at < r.at);
    const start = changeStart(r.tenant, r.vtid);
    if (!earlier && start !== null && start <= r.at) lead.push({ at: r.at, seconds: (r.at - start) / 1000 });
  }
  const recovery: Array<{ at: number; seconds: number | null }> = [];
  for (const r of windowed) {
    if (r.status !== 'failure') continue;
    const next = selected.filter((o) => o.tenant === r.tenant && o.service === r.service && o.status === 'success' && o.at > r.at).sort((a, b) => a.at - b.at)[0];
    recovery.push({ at: r.at, seconds: next ? (next.at - r.at) / 1000 : null });
  }
  const onDay = <T extends { at: number }>(list: T[], day: string) => list.filter((x) => dayOf(x.at) === day);
  const seconds = (list: Array<{ seconds: number | null }>) => list.map((x) => x.seconds).filter((x): x is number => x !== null);
  const successes = windowed.filter((r) => r.status === 'success').length;
  const failed = windowed.filter((r) => r.status === 'failure').length;
  const rate = (a: number, b: number) => (b ? a / b : null);
  return {
    deploymentFrequency: {
      deployments: successes,
      perDay: successes / ((until - since) / DAY),
      daily: days.map((day) => ({ day, deployments: onDay(windowed, day).filter((r) => r.status === 'success').length })),
    },
    leadTime: {
      samples: lead.length,
      medianSeconds: percentile(seconds(lead), 0.5),
      p90Seconds: percentile(seconds(lead), 0.9),
      daily: days.map((day) => ({ day, samples: onDay(lead, day).length, medianSeconds: percentile(seconds(onDay(lead, day)), 0.5) })),
    },
    changeFailureRate: {
      deployments: windowed.length,
      failed,
      rate: rate(failed, windowed.length),
      daily: days.map((day) => {
        const list = onDay(windowed, day);
        const bad = list.filter((r) => r.status === 'failure').length;
        return { day, deployments: list.length, failed: bad, rate: rate(bad, list.length) };
      }),
    },
    recoveryTime: {
      failures: recovery.length,
      samples: seconds(recovery).length,
      unrecovered: recovery.length - seconds(recovery).length,
      medianSeconds: percentile(seconds(recovery), 0.5),
      p90Seconds: percentile(seconds(recovery), 0.9),
      daily: days.map((day) => ({ day, samples: seconds(onDay(recovery, day)).length, medianSeconds: percentile(seconds(onDay(recovery, day)), 0.5) })),
    },
  };
}
