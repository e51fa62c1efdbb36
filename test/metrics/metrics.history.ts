import { prng } from '../../bench/data/events-csv.js';
import type { NewEvent } from '../../runtime/events/new-event.js';

/**
 * A generated delivery history for the four keys: changes (pushes, pull requests opened and squash
 * merged, the squash commit pushed to main under a new sha), Cloud Run rollouts of several services
 * (accepted, then ready or failed, failed ones fixed by a later revision), untagged deploys, refused
 * requests, repeated outcome events under other ids (the v2 operation's last entry beside the system
 * event), and two tenants. Deterministic (seeded). Returned in shuffled order: arrival order is not
 * time order.
 */

export const HISTORY_START = Date.parse('2026-03-01T00:00:00Z');
export const HISTORY_DAYS = 20;
const MIN = 60_000;

const SERVICES = ['gateway', 'worker', 'console'];
const REPOS = ['vitana/oasis', 'vitana/console'];
const FAMILIES = [
  ['DEV', 'CICDL'],
  ['DEV', 'OASIS'],
  ['OPS', 'DEPLY'],
];

export function generateHistory(seed = 7): NewEvent[] {
  const random = prng(seed);
  const events: NewEvent[] = [];
  let n = 0;
  // Distinct milliseconds everywhere, so no two rollouts of a service share an instant.
  const at = (ms: number) => new Date(ms + (n++ % 997)).toISOString();
  const revisions = new Map<string, number>();
  const nextRevision = (service: string) => {
    const r = (revisions.get(service) ?? 0) + 1;
    revisions.set(service, r);
    return `${service}-${String(r).padStart(5, '0')}-x`;
  };
  const deploy = (tenant: string, service: string, vtid: string, layer: string | null, module: string | null, start: number, outcome: 'success' | 'failure', repeat: boolean) => {
    const revision = nextRevision(service);
    const base = { source: 'gcp.cloudrun', kind: 'deploy', vtid, layer, module, tenant };
    const meta = { service, revision, region: 'us-central1' };
    events.push({ ...base, status: 'in_progress', ts: at(start), externalId: `${revision}-accepted`, metadata: { ...meta, log: 'activity' } });
    const done = start + (1 + Math.floor(random() * 5)) * MIN;
    events.push({ ...base, status: outcome, ts: at(done), externalId: `${revision}-ready`, metadata: { ...meta, log: 'system_event' } });
    // The same outcome again under another log entry, a little later: still one rollout.
    if (repeat) events.push({ ...base, status: outcome, ts: at(done + 20_000), externalId: `${revision}-operation-last`, metadata: { ...meta, log: 'activity' } });
    return done;
  };

  for (let i = 0; i < 60; i++) {
    const [layer, module] = FAMILIES[i % FAMILIES.length]! as [string, string];
    const vtid = `${layer}-${module}-${String(100 + i).padStart(4, '0')}`;
    const tenant = i % 10 === 9 ? 'tenant-a' : 'system';
    const repo = REPOS[i % 2]!;
    const service = SERVICES[Math.floor(random() * SERVICES.length)]!;
    const opened = HISTORY_START + Math.floor(random() * (HISTORY_DAYS - 3) * 24 * 60) * MIN;
    const firstCommit = opened - Math.floor(random() * 120) * MIN;
    const change = { vtid, layer, module, tenant, repo };
    events.push({ ...change, source: 'github', kind: 'push', status: 'success', ts: at(firstCommit), ref: `vt/${vtid.toLowerCase()}`, externalId: `push-${i}-1`, metadata: {} });
    events.push({ ...change, source: 'github', kind: 'pull_request', status: 'in_progress', ts: at(opened), externalId: `pr-${i}-opened`, metadata: { action: 'opened', number: i } });
    const merged = opened + (30 + Math.floor(random() * 600)) * MIN;
    events.push({ ...change, source: 'github', kind: 'pull_request', status: 'success', ts: at(merged), externalId: `pr-${i}-closed`, metadata: { action: 'closed', number: i, merged: true } });
    // The squash merge: a new commit on main whose message carries the PR title, hence the VTID.
    events.push({ ...change, source: 'github', kind: 'push', status: 'success', ts: at(merged + MIN), ref: 'main', externalId: `push-${i}-main`, metadata: {} });
    // A CI run is no deployment: it must not count.
    events.push({ ...change, source: 'github.actions', kind: 'workflow_run', status: random() < 0.3 ? 'failure' : 'success', ts: at(merged + 2 * MIN), externalId: `run-${i}`, metadata: { runId: i, workflowName: 'DEPLOY' } });

    let start = merged + (5 + Math.floor(random() * 240)) * MIN;
    const fails = random() < 0.3;
    const done = deploy(tenant, service, vtid, layer, module, start, fails ? 'failure' : 'success', random() < 0.3);
    if (fails) {
      start = done + (10 + Math.floor(random() * 300)) * MIN;
      deploy(tenant, service, vtid, layer, module, start, 'success', false);
    }
    // Some changes go to a second service too: the change counts once, at its first deployment.
    if (random() < 0.2) deploy(tenant, SERVICES[(SERVICES.indexOf(service) + 1) % SERVICES.length]!, vtid, layer, module, start + 30 * MIN, 'success', false);
  }
  // Deploys with no change behind them (config flips) and refused requests (no revision at all).
  for (let i = 0; i < 12; i++) {
    const service = SERVICES[i % SERVICES.length]!;
    const start = HISTORY_START + Math.floor(random() * HISTORY_DAYS * 24 * 60) * MIN;
    deploy('system', service, 'UNSET', null, null, start, random() < 0.4 ? 'failure' : 'success', false);
    if (i % 4 === 0) {
      events.push({ source: 'gcp.cloudrun', kind: 'deploy', vtid: 'UNSET', tenant: 'system', status: 'failure', ts: at(start + 3 * MIN), externalId: `refused-${i}`, metadata: { service, log: 'activity', error: { code: 7 } } });
    }
  }
  // Shuffle (Fisher-Yates, seeded): the store sees them in any order.
  for (let i = events.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [events[i], events[j]] = [events[j]!, events[i]!];
  }
  return events;
}
