/**
 * One poll: find where to start, read deploy entries from Cloud Logging oldest first, publish each as an
 * OASIS event through the gateway, and report what happened.
 *
 * Stateless and safe to repeat. The window starts at the `ts` of the newest gcp.cloudrun event the
 * gateway already has, minus the overlap (first run: now minus the lookback), and ends now. "Newest" is
 * newest by id (insertion order), which is the newest by ts as far as it matters: entries are read with
 * `orderBy: "timestamp asc"` and published one at a time in that order, stopping at the first failure, so
 * every entry older than the last published one was published before it (or, arriving late, falls in
 * the overlap). When polls interleave, the newest-by-id event can only be older than the true maximum,
 * which moves the start earlier — more re-reads, never a gap. Re-reads cost nothing downstream: the
 * insertId is the externalId, and the gateway answers a repeat as a duplicate.
 *
 * Quota: one list request per page, at most `maxPages` pages per poll. When the cap stops a poll early
 * the result says `truncated` and `resumeFrom` (the last published ts); the next poll starts there
 * (minus the overlap), because that event is now the gateway's newest.
 */
import type { Logger } from '../core/log.js';
import { DEPLOY_SOURCE, decodeLogEntry, deployLogFilter, EntryDecodeError, toDeployEvent } from './audit-log.js';
import type { GatewayClient } from './gateway-client.js';
import type { LogSource } from './logging-source.js';

export const ORDER_BY = 'timestamp asc';

export interface PollSettings {
  projectId: string;
  lookbackMinutes: number;
  overlapMinutes: number;
  pageSize: number;
  maxPages: number;
}

export interface PollResult {
  ok: true;
  /** Log entries read. */
  scanned: number;
  /** New events the gateway stored. */
  published: number;
  /** Events the gateway already had (re-read overlap). */
  duplicates: number;
  /** Entries that are not deploy events (another system event, Ready=Unknown) or could not be decoded. */
  skipped: number;
  /** Events the gateway refused as invalid (logged; retrying cannot help). */
  rejected: number;
  /** List requests that returned a page. */
  pages: number;
  /** True when the page cap ended the poll before Cloud Logging ran out of entries. */
  truncated: boolean;
  from: string;
  to: string;
  /** ts of the last event published (or found duplicate) in this poll; null when none. */
  resumeFrom: string | null;
}

export interface PollerDeps {
  settings: PollSettings;
  source: LogSource;
  gateway: GatewayClient;
  logger: Logger;
  now?: () => Date;
}

export interface Poller {
  /** Runs one poll; a call while one is running joins it (one instance never polls twice at once). */
  poll(): Promise<PollResult>;
}

const MINUTE = 60_000;

export function createPoller(deps: PollerDeps): Poller {
  const { settings, source, gateway, logger } = deps;
  const now = deps.now ?? (() => new Date());
  let running: Promise<PollResult> | undefined;

  async function window(): Promise<{ from: Date; to: Date; newest: Date | null }> {
    const to = now();
    const newest = await gateway.newestEventTs(DEPLOY_SOURCE);
    const overlapMs = settings.overlapMinutes * MINUTE;
    let from = newest ? new Date(newest.getTime() - overlapMs) : new Date(to.getTime() - settings.lookbackMinutes * MINUTE);
    // An event stamped in the future (clock skew) must not leave an empty window.
    if (from.getTime() > to.getTime() - overlapMs) from = new Date(to.getTime() - overlapMs);
    return { from, to, newest };
  }

  async function run(): Promise<PollResult> {
    const { from, to, newest } = await window();
    const filter = deployLogFilter({ projectId: settings.projectId, from, to });
    const result: PollResult = {
      ok: true,
      scanned: 0,
      published: 0,
      duplicates: 0,
      skipped: 0,
      rejected: 0,
      pages: 0,
      truncated: false,
      from: from.toISOString(),
      to: to.toISOString(),
      resumeFrom: null,
    };
    logger.debug('poll window', { from: result.from, to: result.to, newest: newest?.toISOString() ?? null });

    let pageToken: string | undefined;
    for (;;) {
      const page = await source.listPage({ filter, orderBy: ORDER_BY, pageSize: settings.pageSize, ...(pageToken ? { pageToken } : {}) });
      result.pages += 1;
      for (const raw of page.entries) {
        result.scanned += 1;
        let parsed;
        try {
          parsed = toDeployEvent(decodeLogEntry(raw));
        } catch (error) {
          if (!(error instanceof EntryDecodeError)) throw error;
          result.skipped += 1;
          logger.warn('skipped an undecodable log entry', { reason: error.message });
          continue;
        }
        if (parsed.outcome === 'skipped') {
          result.skipped += 1;
          logger.debug('skipped a log entry', { reason: parsed.reason });
          continue;
        }
        const { event } = parsed;
        const outcome = await gateway.ingest(event);
        if (outcome.outcome === 'created') result.published += 1;
        else if (outcome.outcome === 'duplicate') result.duplicates += 1;
        else {
          result.rejected += 1;
          logger.error('gateway rejected a deploy event', { externalId: event.externalId, code: outcome.code, reason: outcome.message });
          continue;
        }
        result.resumeFrom = event.ts;
      }
      pageToken = page.nextPageToken;
      // An empty page that still carries a token means Logging has more to scan: go on.
      if (!pageToken) break;
      if (result.pages >= settings.maxPages) {
        result.truncated = true;
        break;
      }
    }
    return result;
  }

  return {
    poll() {
      running ??= run().finally(() => {
        running = undefined;
      });
      return running;
    },
  };
}
