import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../runtime/db/group-commit.js';
import { doneWith, failedWith, type Settled } from '../../runtime/core/outcome.js';

/** The batching itself, with a runner that records what it was given and answers when told to. */

interface Call {
  key: string;
  items: number[];
  finish(results?: Settled<string>[]): void;
  fail(error: unknown): void;
}

function recorder() {
  const calls: Call[] = [];
  const run = (key: string, items: readonly number[]) =>
    new Promise<readonly Settled<string>[]>((resolve, reject) => {
      calls.push({
        key,
        items: [...items],
        finish: (results) => resolve(results ?? items.map((item) => doneWith(`${key}:${item}`))),
        fail: reject,
      });
    });
  return { calls, run };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('GroupCommit', () => {
  it('a lone write goes out at once, alone (no timer to wait for)', async () => {
    const { calls, run } = recorder();
    const commit = new GroupCommit({ run, maxItems: 100, maxInFlight: 1 });
    const answer = commit.submit('k', 1);
    await tick();
    expect(calls.map((call) => call.items)).toEqual([[1]]);
    calls[0]!.finish();
    expect(await answer).toBe('k:1');
  });

  it('writes submitted together share one batch; what arrives while it runs forms the next', async () => {
    const { calls, run } = recorder();
    const commit = new GroupCommit({ run, maxItems: 100, maxInFlight: 1 });
    const first = [1, 2, 3].map((n) => commit.submit('k', n));
    await tick();
    const second = [4, 5].map((n) => commit.submit('k', n));
    await tick();
    expect(calls.map((call) => call.items)).toEqual([[1, 2, 3]]);
    calls[0]!.finish();
    expect(await Promise.all(first)).toEqual(['k:1', 'k:2', 'k:3']);
    await tick();
    expect(calls.map((call) => call.items)).toEqual([[1, 2, 3], [4, 5]]);
    calls[1]!.finish();
    expect(await Promise.all(second)).toEqual(['k:4', 'k:5']);
    expect(commit.pending).toBe(0);
  });

  it('never mixes keys (database identities) in one batch, and runs keys independently', async () => {
    const { calls, run } = recorder();
    const commit = new GroupCommit({ run, maxItems: 100, maxInFlight: 1 });
    const answers = [commit.submit('alice', 1), commit.submit('bob', 2), commit.submit('alice', 3)];
    await tick();
    expect(calls.map((call) => [call.key, call.items])).toEqual([
      ['alice', [1, 3]],
      ['bob', [2]],
    ]);
    for (const call of calls) call.finish();
    expect(await Promise.all(answers)).toEqual(['alice:1', 'bob:2', 'alice:3']);
  });

  it('caps a batch by items and by bytes, and keeps maxInFlight batches of a key running at once', async () => {
    const { calls, run } = recorder();
    const commit = new GroupCommit({ run, maxItems: 3, maxBytes: 250, sizeOf: (n: number) => n, maxInFlight: 2 });
    const answers = [10, 20, 30, 40, 200, 100, 60].map((n) => commit.submit('k', n));
    await tick();
    // Two in flight: [10, 20, 30] (item cap) and [40, 200] (byte cap); the rest waits for a slot.
    expect(calls.map((call) => call.items)).toEqual([
      [10, 20, 30],
      [40, 200],
    ]);
    calls[1]!.finish();
    await tick();
    expect(calls.map((call) => call.items)).toEqual([
      [10, 20, 30],
      [40, 200],
      [100, 60],
    ]);
    calls[0]!.finish();
    calls[2]!.finish();
    expect(await Promise.all(answers)).toHaveLength(7);
  });

  it('a batch always takes one item, however large', async () => {
    const { calls, run } = recorder();
    const commit = new GroupCommit({ run, maxItems: 10, maxBytes: 5, sizeOf: (n: number) => n, maxInFlight: 1 });
    const answer = commit.submit('k', 1_000);
    await tick();
    expect(calls[0]!.items).toEqual([1_000]);
    calls[0]!.finish();
    await answer;
  });

  it('each submitter gets its own item result; a failed batch fails only its own items', async () => {
    const { calls, run } = recorder();
    const commit = new GroupCommit({ run, maxItems: 100, maxInFlight: 1 });
    const ok = commit.submit('k', 1);
    const refused = commit.submit('k', 2);
    await tick();
    const later = commit.submit('k', 3);
    calls[0]!.finish([
      doneWith('stored'),
      failedWith(new Error('refused by the policy')),
    ]);
    expect(await ok).toBe('stored');
    await expect(refused).rejects.toThrow('refused by the policy');
    await tick();
    calls[1]!.fail(new Error('outage'));
    await expect(later).rejects.toThrow('outage');
    // The key recovers: the next write runs normally.
    const next = commit.submit('k', 4);
    await tick();
    calls[2]!.finish();
    expect(await next).toBe('k:4');
  });

  it('a runner that reports too few results fails the unanswered items instead of leaving them hanging', async () => {
    const { calls, run } = recorder();
    const commit = new GroupCommit({ run, maxItems: 100, maxInFlight: 1 });
    const answers = [commit.submit('k', 1), commit.submit('k', 2)];
    await tick();
    calls[0]!.finish([doneWith('one')]);
    expect(await answers[0]).toBe('one');
    await expect(answers[1]).rejects.toThrow(/no result/);
  });

  it('drained() resolves once nothing is queued or in flight', async () => {
    const { calls, run } = recorder();
    const commit = new GroupCommit({ run, maxItems: 1, maxInFlight: 1 });
    const answers = [commit.submit('k', 1), commit.submit('k', 2)];
    let drained = false;
    const done = commit.drained().then(() => (drained = true));
    await tick();
    calls[0]!.finish();
    await answers[0];
    await tick();
    expect(drained).toBe(false);
    calls[1]!.finish();
    await done;
    expect(drained).toBe(true);
    await Promise.all(answers);
  });
});
