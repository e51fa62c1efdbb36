/**
 * One reconcile pass: for each configured hook, list its deliveries of the lookback window from
 * GitHub (newest first, at most `maxPages` pages), ask OASIS which GUIDs it holds (and which
 * redeliveries were asked for already), decide (decide.ts, pure), request the redeliveries, and record
 * each step as an event on the feed.
 *
 * Bounded and polite: at most `maxRedeliveries` requests per pass (the rest is `deferred` to the next
 * pass, oldest deliveries first since they leave GitHub's retention first); when GitHub says wait
 * (403/429 with retry-after or an exhausted quota) the pass stops at once, says how long in its answer
 * and in a `reconcile.rate_limited` event, and later passes skip GitHub until then. A hook that is gone
 * (404) or fails is reported and skipped; the others proceed. An OASIS outage fails the pass (the event
 * writes throw): nothing is lost, the next pass sees the same deliveries.
 *
 * Safe to repeat: what it did is in OASIS (decide.ts explains how that makes a second pass a no-op),
 * and a call while a pass runs in this process joins it.
 */
import { randomUUID } from 'node:crypto';
import type { Database } from '../core/database.js';
import type { NewEvent } from '../events/new-event.js';
import type { EventWriter } from '../events/writer.js';
import type { Logger } from '../core/log.js';
import { decide, groupByGuid, keysToLookUp, type DeliveryGroup } from './decide.js';
import {
  abandonedEvent,
  completedEvent,
  hookFailedEvent,
  hookMissingEvent,
  rateLimitedEvent,
  redeliveredEvent,
} from './feed-events.js';
import { GithubRequestError, HookNotFoundError, RateLimitedError, type HookDeliveriesClient, type ListedDelivery } from './github-client.js';
import type { Hook } from './hooks.js';
import { findExistingKeys, latestRateLimit, RECONCILER_IDENTITY } from './known-events.js';

export interface PassSettings {
  lookbackMinutes: number;
  pageSize: number;
  maxPages: number;
  maxRedeliveries: number;
  maxAttempts: number;
}

export const COUNTERS = ['listed', 'deliveries', 'held', 'redelivered', 'pending', 'alreadyRedelivered', 'abandoned', 'expired', 'refused', 'deferred', 'unreadable'] as const;
export type Counter = (typeof COUNTERS)[number];
export type Counts = Record<Counter, number>;

export interface HookResult extends Counts {
  hook: string;
  /**
   * read: listed and reconciled; missing: 404; failed: could not be listed; rate_limited: GitHub said
   * wait while this hook was worked on (its counts are what was done until then); not_reached: the pass
   * stopped before it.
   */
  outcome: 'read' | 'missing' | 'failed' | 'rate_limited' | 'not_reached';
  pages: number;
  /** The page cap ended the listing before the window's start: older deliveries were not seen this pass. */
  truncated: boolean;
  error?: string;
}

export interface RateLimit {
  retryAfterSeconds: number;
  until: string;
  limit: 'primary' | 'secondary';
  /** The hook being worked on when GitHub said wait (or the hook of an earlier pass's stop). */
  hook: string | null;
}

export interface PassResult {
  ok: true;
  passId: string;
  from: string;
  to: string;
  /** True when an earlier pass's rate limit had not expired: GitHub was not called at all. */
  skipped: boolean;
  rateLimited: RateLimit | null;
  totals: Counts;
  hooks: HookResult[];
}

export interface ReconcilerDeps {
  settings: PassSettings;
  hooks: readonly Hook[];
  github: HookDeliveriesClient;
  db: Database;
  writer: EventWriter;
  logger: Logger;
  now?: () => Date;
}

export interface Reconciler {
  /** Runs one pass; a call while one is running joins it. */
  reconcile(): Promise<PassResult>;
}

// The same budget a webhook has to store its event.
const WRITE_BUDGET_MS = 8_000;
const MINUTE = 60_000;

const zeroCounts = (): Counts => Object.fromEntries(COUNTERS.map((name) => [name, 0])) as Counts;

function newHookResult(hook: Hook, outcome: HookResult['outcome']): HookResult {
  return { hook: hook.key, outcome, pages: 0, truncated: false, ...zeroCounts() };
}

export function createReconciler(deps: ReconcilerDeps): Reconciler {
  const { settings, github, db, writer, logger } = deps;
  const now = deps.now ?? (() => new Date());
  let running: Promise<PassResult> | undefined;

  // Stored anew: a delivery GitHub had not brought (a `taken` key is never the service role's case, as it sees every row).
  const store = async (event: NewEvent): Promise<boolean> => (await writer.write(RECONCILER_IDENTITY, event, WRITE_BUDGET_MS)).outcome === 'stored';

  /** The hook's deliveries of the window, newest first, within the page cap. */
  async function listWindow(hook: Hook, since: number, result: HookResult): Promise<ListedDelivery[]> {
    const listed: ListedDelivery[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await github.listPage(hook, { perPage: settings.pageSize, ...(cursor ? { cursor } : {}) });
      result.pages += 1;
      result.unreadable += page.unreadable;
      const inWindow = page.deliveries.filter((delivery) => Date.parse(delivery.deliveredAt) >= since);
      listed.push(...inWindow);
      // Newest first: a delivery older than the window means every later page is older still.
      if (inWindow.length < page.deliveries.length || page.nextCursor === null) return listed;
      if (result.pages >= settings.maxPages) {
        result.truncated = true;
        return listed;
      }
      cursor = page.nextCursor;
    }
  }

  async function redeliver(hook: Hook, group: DeliveryGroup, reason: 'failed' | 'missing', passId: string, result: HookResult): Promise<void> {
    try {
      await github.redeliver(hook, group.newest.id);
    } catch (error) {
      // A rate limit (RateLimitedError) ends the whole pass: run() catches it.
      if (!(error instanceof HookNotFoundError || error instanceof GithubRequestError)) throw error;
      // 404: GitHub no longer has the delivery (past its retention); anything else: refused this time,
      // asked again by the next pass.
      const counter = error instanceof HookNotFoundError ? 'expired' : 'refused';
      result[counter] += 1;
      logger.warn('redelivery not accepted', { hook: hook.key, guid: group.guid, deliveryId: group.newest.id, outcome: counter, reason: error.message });
      return;
    }
    result.redelivered += 1;
    await store(redeliveredEvent(hook, group, reason, passId));
    logger.info('redelivery requested', { hook: hook.key, guid: group.guid, deliveryId: group.newest.id, event: group.newest.event, reason });
  }

  async function reconcileHook(hook: Hook, result: HookResult, since: number, budget: { left: number }, passId: string): Promise<void> {
    let listed: ListedDelivery[];
    try {
      listed = await listWindow(hook, since, result);
    } catch (error) {
      if (error instanceof HookNotFoundError) {
        result.outcome = 'missing';
        result.error = error.message;
        await store(hookMissingEvent(hook, error.message, passId));
        logger.warn('hook not found: skipped', { hook: hook.key, reason: error.message });
        return;
      }
      if (error instanceof GithubRequestError) {
        result.outcome = 'failed';
        result.error = error.message;
        await store(hookFailedEvent(hook, error.status, error.message, passId));
        logger.error('hook could not be listed: skipped', { hook: hook.key, status: error.status, reason: error.message });
        return;
      }
      throw error;
    }
    result.listed = listed.length;

    const groups = groupByGuid(listed);
    result.deliveries = groups.length;
    const existing = await findExistingKeys(db, keysToLookUp(hook, groups));
    for (const verdict of decide(hook, groups, existing, settings.maxAttempts)) {
      if (verdict.action === 'skip') {
        result[verdict.why === 'redelivered' ? 'alreadyRedelivered' : verdict.why] += 1;
      } else if (verdict.action === 'abandon') {
        result.abandoned += 1;
        if (await store(abandonedEvent(hook, verdict.group, passId))) {
          logger.warn('delivery abandoned after repeated redeliveries', { hook: hook.key, guid: verdict.group.guid, redeliveries: verdict.group.redeliveries });
        }
      } else if (budget.left <= 0) {
        result.deferred += 1;
      } else {
        budget.left -= 1;
        await redeliver(hook, verdict.group, verdict.reason, passId, result);
      }
    }
  }

  async function run(): Promise<PassResult> {
    const passId = randomUUID();
    const to = now();
    const from = new Date(to.getTime() - settings.lookbackMinutes * MINUTE);
    const pass: PassResult = { ok: true, passId, from: from.toISOString(), to: to.toISOString(), skipped: false, rateLimited: null, totals: zeroCounts(), hooks: [] };

    const blocked = await latestRateLimit(db);
    if (blocked && blocked.until.getTime() > to.getTime()) {
      pass.skipped = true;
      const retryAfterSeconds = Math.ceil((blocked.until.getTime() - to.getTime()) / 1000);
      pass.rateLimited = { retryAfterSeconds, until: blocked.until.toISOString(), limit: blocked.limit, hook: blocked.hook };
      pass.hooks = deps.hooks.map((hook) => newHookResult(hook, 'not_reached'));
      logger.info('pass skipped: GitHub asked to wait', { until: pass.rateLimited.until, retryAfterSeconds });
      return pass;
    }

    const budget = { left: settings.maxRedeliveries };
    let stopped: { limit: RateLimitedError; hook: Hook } | null = null;
    for (const hook of deps.hooks) {
      if (stopped) {
        pass.hooks.push(newHookResult(hook, 'not_reached'));
        continue;
      }
      const result = newHookResult(hook, 'read');
      pass.hooks.push(result);
      try {
        await reconcileHook(hook, result, from.getTime(), budget, passId);
      } catch (error) {
        if (!(error instanceof RateLimitedError)) throw error;
        stopped = { limit: error, hook };
        result.outcome = 'rate_limited';
        result.error = error.message;
      }
    }
    for (const result of pass.hooks) for (const name of COUNTERS) pass.totals[name] += result[name];

    if (stopped) {
      const { limit, hook } = stopped;
      pass.rateLimited = { retryAfterSeconds: limit.retryAfterSeconds, until: limit.until.toISOString(), limit: limit.limit, hook: hook.key };
      await store(rateLimitedEvent({ ...pass.rateLimited, hook: hook.key }, pass.totals, passId));
      logger.warn('pass stopped: GitHub rate limit', { ...pass.rateLimited });
      return pass;
    }
    const hooksFailed = pass.hooks.filter((result) => result.outcome !== 'read').length;
    await store(
      completedEvent({ from: pass.from, to: pass.to, hooksRead: pass.hooks.length - hooksFailed, hooksFailed, totals: pass.totals, hooks: pass.hooks }, passId),
    );
    return pass;
  }

  return {
    reconcile() {
      running ??= run().finally(() => {
        running = undefined;
      });
      return running;
    },
  };
}
