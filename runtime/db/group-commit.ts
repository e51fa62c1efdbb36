import type { Settled } from '../core/outcome.js';

/**
 * Group commit: writes submitted concurrently under the same key (a database identity) reach the
 * database together, one transaction per batch, so the fixed cost of a transaction (round trips,
 * the commit's flush) is shared and the cost per write falls as concurrency rises.
 *
 * There is no timer: a batch starts as soon as one of the key's slots is free, so a lone write goes
 * out at once, and whatever arrives while batches are in flight waits and forms the next one. Each
 * submitter is answered with its own item's result, only after its batch has settled.
 */


export interface GroupCommitOptions<I, O> {
  /**
   * Runs one batch and reports one result per item, in order. Throwing fails every item of the
   * batch with that error (an outage); item-level failures belong in the results.
   */
  run(key: string, items: readonly I[]): Promise<readonly Settled<O>[]>;
  /** Items per batch at most. */
  maxItems: number;
  /** Approximate bytes per batch at most (a batch always takes at least one item). */
  maxBytes?: number;
  /** The approximate size of an item in bytes, for maxBytes. */
  sizeOf?: (item: I) => number;
  /** Batches of one key in flight at once; each holds a database connection while it runs. */
  maxInFlight: number;
}

interface Waiting<I, O> {
  item: I;
  resolve(value: O): void;
  reject(error: unknown): void;
}

interface KeyState<I, O> {
  queue: Waiting<I, O>[];
  inFlight: number;
  scheduled: boolean;
}

export class GroupCommit<I, O> {
  private readonly keys = new Map<string, KeyState<I, O>>();
  private readonly idle = new Set<() => void>();

  constructor(private readonly options: GroupCommitOptions<I, O>) {}

  submit(key: string, item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      const state = this.stateOf(key);
      state.queue.push({ item, resolve, reject });
      this.schedule(key, state);
    });
  }

  /** Items queued or in flight, over every key (for shutdown and tests). */
  get pending(): number {
    let count = 0;
    for (const state of this.keys.values()) count += state.queue.length + state.inFlight;
    return count;
  }

  /** Resolves once nothing is queued or in flight. */
  drained(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.idle.add(resolve));
  }

  private stateOf(key: string): KeyState<I, O> {
    let state = this.keys.get(key);
    if (!state) {
      state = { queue: [], inFlight: 0, scheduled: false };
      this.keys.set(key, state);
    }
    return state;
  }

  // Deferred to the end of this turn of the event loop, so writes that arrived in the same I/O
  // phase (many requests parsed from one read of the sockets) share the first batch.
  private schedule(key: string, state: KeyState<I, O>): void {
    if (state.scheduled || state.inFlight >= this.options.maxInFlight) return;
    state.scheduled = true;
    setImmediate(() => {
      state.scheduled = false;
      this.drain(key, state);
    });
  }

  private drain(key: string, state: KeyState<I, O>): void {
    while (state.inFlight < this.options.maxInFlight && state.queue.length > 0) {
      const batch = this.take(state);
      state.inFlight += 1;
      void this.runBatch(key, batch).finally(() => {
        state.inFlight -= 1;
        if (state.queue.length > 0) this.drain(key, state);
        else if (state.inFlight === 0) this.keys.delete(key);
        if (this.pending === 0) {
          for (const wake of this.idle) wake();
          this.idle.clear();
        }
      });
    }
  }

  private take(state: KeyState<I, O>): Waiting<I, O>[] {
    const { maxItems, maxBytes, sizeOf } = this.options;
    const batch: Waiting<I, O>[] = [];
    let bytes = 0;
    while (state.queue.length > 0 && batch.length < maxItems) {
      const next = state.queue[0]!;
      const size = maxBytes !== undefined && sizeOf ? sizeOf(next.item) : 0;
      if (batch.length > 0 && maxBytes !== undefined && bytes + size > maxBytes) break;
      bytes += size;
      batch.push(state.queue.shift()!);
    }
    return batch;
  }

  private async runBatch(key: string, batch: Waiting<I, O>[]): Promise<void> {
    let results: readonly Settled<O>[];
    try {
      results = await this.options.run(key, batch.map((waiting) => waiting.item));
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
      return;
    }
    batch.forEach((waiting, index) => {
      const result = results[index];
      if (!result) waiting.reject(new Error('group commit: the batch reported no result for an item'));
      else if (result.outcome === 'done') waiting.resolve(result.value);
      else waiting.reject(result.error);
    });
  }
}
