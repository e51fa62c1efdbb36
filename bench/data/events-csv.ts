import type { Writable } from 'node:stream';

/**
 * Realistic, correlated OASIS events as CSV for COPY into public.oasis_events: 90 days of history in
 * id (commit) order, five sources with their own kinds and status mixes, tens of thousands of VTIDs
 * (a dozen events each), several tenants. Deterministic (seeded), so every run loads the same table.
 *
 * The rare combination of the query bench: `status=failure` is common (deploys and agents fail a lot)
 * and `source=github.actions` is common (mostly successes), but failed Actions runs are rare (about
 * 0.02% of rows) and all of them are old (the first tenth of the history), so a newest-first scan of
 * either index alone has to walk far before it finds a page of them.
 */

export const COPY_COLUMNS = ['ts', 'vtid', 'source', 'kind', 'status', 'layer', 'module', 'title', 'repo', 'ref', 'sha', 'actor', 'url', 'external_id', 'tenant', 'metadata'] as const;

export interface GeneratedStats {
  rows: number;
  bySource: Record<string, number>;
  byStatus: Record<string, number>;
  rareFailureActions: number;
  /** VTIDs that occur in the data (probe values for the by-vtid query). */
  sampleVtids: string[];
  distinctVtids: number;
}

/** mulberry32: a small, fast, seeded PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LAYERS = ['DEV', 'OPS', 'INFRA', 'DATA', 'PLAT'];
const MODULES = ['CICDL', 'OASIS', 'GATEW', 'LEDGR', 'AGENT', 'DEPLY', 'FEEDS', 'CONSL', 'WATCH', 'AUTHN'];
const REPOS = ['vitana-platform/vitana-oasis', 'vitana-platform/vitana-console', 'vitana-platform/vitana-agents', 'vitana-platform/vitana-infra'];
const ACTORS = ['maria-dev', 'dragan', 'ci-bot', 'release-bot', 'ana', 'lukas'];
const TENANTS = ['system', 'system', 'system', 'system', 'tenant-alpha', 'tenant-beta', 'tenant-gamma'];
const SERVICES = ['gateway', 'deploy-watcher', 'agents', 'console', 'ledger', 'worker'];

const csv = (value: string | null): string => (value === null ? '' : /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

export async function writeEventsCsv(out: Writable, rows: number, options: { now?: Date; seed?: number } = {}): Promise<GeneratedStats> {
  const random = prng(options.seed ?? 20260301);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const now = (options.now ?? new Date()).getTime();
  const span = 90 * 24 * 3600 * 1000;
  const start = now - span;
  const vtidPool = Math.max(50, Math.round(rows / 12));
  const rareTarget = Math.max(20, Math.round(rows * 0.0002));
  // github.actions rows in the oldest tenth, and the share of them that fail.
  const rareShare = rareTarget / (rows * 0.1 * 0.35);
  const stats: GeneratedStats = { rows, bySource: {}, byStatus: {}, rareFailureActions: 0, sampleVtids: [], distinctVtids: 0 };
  const seenVtids = new Set<string>();

  const vtidOf = (n: number): { vtid: string; layer: string | null; module: string | null } => {
    if (n % 5 === 0) return { vtid: `VTID-2026-${String(1 + (n % 9999)).padStart(4, '0')}`, layer: null, module: null };
    const layer = LAYERS[n % LAYERS.length]!;
    const module = MODULES[Math.floor(n / LAYERS.length) % MODULES.length]!;
    return { vtid: `${layer}-${module}-${String(1 + (Math.floor(n / 50) % 9999)).padStart(4, '0')}`, layer, module };
  };

  let chunk = '';
  for (let i = 0; i < rows; i++) {
    const ts = new Date(start + Math.floor((i / rows) * span) + Math.floor(random() * 1000)).toISOString();
    const old = i < rows * 0.1;
    const r = random();
    let source: string;
    let kind: string;
    let status: string;
    const s = random();
    if (r < 0.35) {
      source = 'github.actions';
      kind = pick(['workflow_run', 'workflow_run', 'workflow_job', 'check_run']);
      if (old && random() < rareShare) {
        status = 'failure';
        stats.rareFailureActions += 1;
      } else status = s < 0.93 ? 'success' : s < 0.98 ? 'in_progress' : 'cancelled';
    } else if (r < 0.55) {
      source = 'github';
      kind = pick(['pull_request', 'push', 'push', 'release', 'deployment_status']);
      status = s < 0.5 ? 'info' : s < 0.85 ? 'success' : 'failure';
    } else if (r < 0.7) {
      source = 'gcp.cloudrun';
      kind = pick(['deploy', 'revision', 'rollback']);
      status = s < 0.7 ? 'success' : 'failure';
    } else if (r < 0.9) {
      source = 'agent.heartbeat';
      kind = pick(['agent.online', 'agent.offline', 'agent.task']);
      status = s < 0.8 ? 'info' : 'failure';
    } else {
      source = 'vtid.ledger';
      kind = pick(['vtid.created', 'vtid.updated']);
      status = pick(['info', 'queued', 'in_progress', 'success']);
    }
    stats.bySource[source] = (stats.bySource[source] ?? 0) + 1;
    stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;

    const tagged = random() < 0.6 ? vtidOf(Math.floor(random() * vtidPool)) : { vtid: 'UNSET', layer: null, module: null };
    if (tagged.vtid !== 'UNSET' && !seenVtids.has(tagged.vtid)) {
      seenVtids.add(tagged.vtid);
      if (stats.sampleVtids.length < 32 && i > rows / 2) stats.sampleVtids.push(tagged.vtid);
    }
    const repo = source.startsWith('github') ? pick(REPOS) : null;
    const sha = source.startsWith('github') ? Math.floor(random() * 2 ** 52).toString(16).padStart(13, '0') + 'a1b2c3d4e5f60718293a4b5c6d7' : null;
    const actor = source.startsWith('github') ? pick(ACTORS) : source === 'agent.heartbeat' ? `agent-${i % 40}` : null;
    const url = repo ? `https://github.com/${repo}/actions/runs/${13_000_000_000 + i}` : null;
    // Deploys name their service and revision as the watcher records them (metrics: one rollout each).
    const service = SERVICES[i % SERVICES.length]!;
    const metadata = JSON.stringify(
      source === 'github.actions'
        ? { runId: 13_000_000_000 + i, runAttempt: 1, workflowName: 'TEST', conclusion: status === 'failure' ? 'failure' : 'success', trigger: 'pull_request' }
        : source === 'gcp.cloudrun' && kind === 'deploy'
          ? { service, revision: `${service}-${String(i).padStart(7, '0')}-gen`, log: 'system_event', region: 'us-central1' }
          : { generated: true, n: i },
    );
    const row = [
      ts,
      tagged.vtid,
      source,
      kind,
      status,
      tagged.layer,
      tagged.module,
      `${kind} ${tagged.vtid === 'UNSET' ? '' : tagged.vtid + ' '}#${i}`,
      repo,
      repo ? 'main' : null,
      sha,
      actor,
      url,
      `gen-${i}`,
      pick(TENANTS),
      metadata,
    ];
    chunk += row.map(csv).join(',') + '\n';
    if (chunk.length > 1 << 16) {
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      chunk = '';
    }
  }
  if (chunk) out.write(chunk);
  await new Promise<void>((resolve, reject) => {
    out.once('error', reject);
    out.end(() => resolve());
  });
  stats.distinctVtids = seenVtids.size;
  return stats;
}
