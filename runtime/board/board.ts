import type { EventStatus } from '../events/schema.js';

/**
 * The wall board: the latest state of each workflow per repository and of each Cloud Run service,
 * from their recent attempts (workflow runs, rollouts). Pure.
 *
 * An attempt's outcome is its end event whenever that arrived (a late `in_progress` cannot turn a
 * finished run yellow again). A row's `outcome` is that of its latest finished attempt; `since` is when
 * the current streak of that outcome began: for a red row, the first failure after the last success.
 */

export interface Attempt {
  kind: 'workflow' | 'service';
  /** Workflows: the repository; services: null. */
  repo: string | null;
  /** The workflow's name or the service's. */
  name: string;
  /** The run (id and attempt) or the rollout (revision). */
  attempt: string;
  /** Orders attempts of one row: the run number, else the first event's time (ms). */
  order: number;
  outcome: EventStatus | null;
  started: boolean;
  firstAt: string;
  lastAt: string;
  /** When the outcome event happened. */
  endedAt: string | null;
  url: string | null;
  vtid: string;
  layer: string | null;
  module: string | null;
  /** The run number or revision, for the link text. */
  label: string | null;
}

export interface BoardRow {
  kind: 'workflow' | 'service';
  repo: string | null;
  name: string;
  /** The latest attempt right now: queued, in_progress, or its outcome. */
  status: EventStatus;
  /** The latest finished attempt's outcome (null: none finished yet). */
  outcome: EventStatus | null;
  /** When the current outcome's streak began (the first of the consecutive attempts that ended so). */
  since: string | null;
  lastEventAt: string;
  url: string | null;
  linkText: string | null;
  vtid: string;
  layer: string | null;
  module: string | null;
  attempts: number;
}

export interface BoardFilters {
  repo?: string;
  service?: string;
  layer?: string;
  module?: string;
  /** Matches the row's status or its outcome (`failure`: what is red). */
  status?: EventStatus;
}

const key = (a: Attempt) => `${a.kind}\u0000${a.repo ?? ''}\u0000${a.name}`;
const byOrder = (a: Attempt, b: Attempt) => a.order - b.order || a.firstAt.localeCompare(b.firstAt) || a.attempt.localeCompare(b.attempt);

function rowOf(attempts: Attempt[]): BoardRow {
  const sorted = [...attempts].sort(byOrder);
  const latest = sorted[sorted.length - 1]!;
  const finished = sorted.filter((a) => a.outcome !== null);
  const last = finished[finished.length - 1];
  let since: string | null = null;
  if (last) {
    let i = finished.length - 1;
    while (i > 0 && finished[i - 1]!.outcome === last.outcome) i--;
    since = finished[i]!.endedAt;
  }
  const status: EventStatus = latest.outcome ?? (latest.started ? 'in_progress' : 'queued');
  const linkText = latest.kind === 'workflow' ? `${latest.name} run ${latest.label ? `#${latest.label}` : ''}`.trim() : `Cloud Run ${latest.name}${latest.label ? ` revision ${latest.label}` : ''}`;
  return {
    kind: latest.kind,
    repo: latest.repo,
    name: latest.name,
    status,
    outcome: last?.outcome ?? null,
    since: status === 'in_progress' || status === 'queued' ? (since ?? latest.firstAt) : since,
    lastEventAt: sorted.map((a) => a.lastAt).sort().at(-1)!,
    url: latest.url,
    linkText: latest.url ? linkText : null,
    vtid: latest.vtid,
    layer: latest.layer,
    module: latest.module,
    attempts: sorted.length,
  };
}

function matches(row: BoardRow, filters: BoardFilters): boolean {
  if (filters.repo !== undefined && row.kind === 'workflow' && row.repo !== filters.repo) return false;
  if (filters.service !== undefined && row.kind === 'service' && row.name !== filters.service) return false;
  if (filters.layer !== undefined && row.layer !== filters.layer) return false;
  if (filters.module !== undefined && row.module !== filters.module) return false;
  if (filters.status !== undefined && row.status !== filters.status && row.outcome !== filters.status) return false;
  return true;
}

/** Red first, then by repository and name. */
const RANK: Partial<Record<EventStatus, number>> = { failure: 0, in_progress: 1, queued: 2, cancelled: 3 };

export function buildBoard(attempts: readonly Attempt[], filters: BoardFilters): { workflows: BoardRow[]; services: BoardRow[] } {
  const groups = new Map<string, Attempt[]>();
  for (const attempt of attempts) {
    const group = groups.get(key(attempt));
    if (group) group.push(attempt);
    else groups.set(key(attempt), [attempt]);
  }
  const rows = [...groups.values()].map(rowOf).filter((row) => matches(row, filters));
  const rank = (row: BoardRow) => (row.outcome === 'failure' ? 0 : (RANK[row.status] ?? 4));
  rows.sort((a, b) => rank(a) - rank(b) || (a.repo ?? '').localeCompare(b.repo ?? '') || a.name.localeCompare(b.name));
  return { workflows: rows.filter((r) => r.kind === 'workflow'), services: rows.filter((r) => r.kind === 'service') };
}
