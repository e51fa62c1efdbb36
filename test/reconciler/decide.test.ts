import { describe, expect, it } from 'vitest';
import { decide, groupByGuid, keyString, keysToLookUp, redeliveryKeyOf, storedKeyOf } from '../../runtime/reconciler/decide.js';
import type { ListedDelivery } from '../../runtime/reconciler/github-client.js';
import { parseHook, type Hook } from '../../runtime/reconciler/hooks.js';

/** The redelivery decision, pure: attempts grouped by GUID, judged by what OASIS holds and the newest attempt. */

const HOOK = parseHook('repo:acme/api/7') as Hook;
let nextId = 1;
function attempt(guid: string, minute: number, statusCode: number, fields: Partial<ListedDelivery> = {}): ListedDelivery {
  return {
    id: nextId++,
    guid,
    deliveredAt: new Date(Date.UTC(2026, 2, 14, 10, minute)).toISOString(),
    redelivery: false,
    status: statusCode >= 200 && statusCode < 300 ? 'OK' : 'failed',
    statusCode,
    event: 'push',
    action: null,
    ...fields,
  };
}

const verdicts = (deliveries: ListedDelivery[], existing: string[] = [], maxAttempts = 3) =>
  decide(HOOK, groupByGuid(deliveries), new Set(existing), maxAttempts).map((v) => [
    v.group.guid,
    v.action === 'skip' ? v.why : v.action === 'redeliver' ? `redeliver:${v.reason}` : 'abandon',
  ]);

describe('groupByGuid', () => {
  it('groups the attempts of one GUID, newest attempt first, and orders groups oldest first', () => {
    const first = attempt('a', 1, 502);
    const again = attempt('a', 5, 502, { redelivery: true });
    const other = attempt('b', 3, 200);
    const groups = groupByGuid([again, other, first, again]);
    expect(groups.map((g) => g.guid)).toEqual(['b', 'a']);
    expect(groups[1]!.attempts.map((a) => a.id)).toEqual([again.id, first.id]);
    expect(groups[1]!).toMatchObject({ newest: again, redeliveries: 1 });
  });
});

describe('decide', () => {
  it('leaves held deliveries alone, whatever GitHub recorded', () => {
    const ok = attempt('held-ok', 1, 200);
    const failedButStored = attempt('held-503', 2, 503, { event: 'workflow_run' });
    const existing = [keyString(storedKeyOf(ok)), keyString(storedKeyOf(failedButStored))];
    expect(verdicts([ok, failedButStored], existing)).toEqual([
      ['held-ok', 'held'],
      ['held-503', 'held'],
    ]);
  });

  it('looks for each GUID under the source its event is stored with', () => {
    expect(storedKeyOf({ event: 'workflow_run', guid: 'g' })).toEqual({ source: 'github.actions', externalId: 'g' });
    expect(storedKeyOf({ event: 'push', guid: 'g' })).toEqual({ source: 'github', externalId: 'g' });
    expect(storedKeyOf({ event: 'issues', guid: 'g' })).toEqual({ source: 'github', externalId: 'g' });
  });

  it('redelivers a failed delivery and one GitHub delivered that OASIS lacks', () => {
    expect(verdicts([attempt('failed', 1, 502), attempt('unreachable', 2, 0), attempt('missing', 3, 200)])).toEqual([
      ['failed', 'redeliver:failed'],
      ['unreachable', 'redeliver:failed'],
      ['missing', 'redeliver:missing'],
    ]);
  });

  it('does not ask twice for the same attempt: a recorded request after the newest attempt is pending', () => {
    const failed = attempt('p', 1, 502);
    const asked = keyString(redeliveryKeyOf(HOOK, 'p', failed.id));
    expect(verdicts([failed], [asked])).toEqual([['p', 'pending']]);
    // GitHub lists the attempt asked for, and it failed too: that is a new newest attempt, asked for again.
    expect(verdicts([failed, attempt('p', 2, 502, { redelivery: true })], [asked])).toEqual([['p', 'redeliver:failed']]);
  });

  it('does not redeliver again after a redelivery GitHub counts as delivered', () => {
    expect(verdicts([attempt('r', 1, 502), attempt('r', 2, 200, { redelivery: true })])).toEqual([['r', 'redelivered']]);
  });

  it('gives up once GitHub lists maxAttempts redeliveries', () => {
    const attempts = [attempt('x', 1, 502), attempt('x', 2, 502, { redelivery: true }), attempt('x', 3, 502, { redelivery: true })];
    expect(verdicts(attempts, [], 2)).toEqual([['x', 'abandon']]);
    expect(verdicts(attempts, [], 3)).toEqual([['x', 'redeliver:failed']]);
  });

  it('asks OASIS about exactly the stored event and the request of each group', () => {
    const a = attempt('k', 1, 502, { event: 'check_run' });
    expect(keysToLookUp(HOOK, groupByGuid([a]))).toEqual([
      { source: 'github.actions', externalId: 'k' },
      { source: 'github.reconciler', externalId: `repo:acme/api/7/k/${a.id}` },
    ]);
  });
});
