import { asRole, batchAsRole } from '../db/as-role.js';
import { isDatabaseUnavailable } from '../db/errors.js';
import type { Database, Listener } from '../core/database.js';
import { comparePositions, FEED_START, parseTxid, type FeedPosition } from '../events/position.js';
import { feedPageStatement, feedPositionOf, latestFeedPosition, readFeedPage, type FeedPage } from '../events/repository.js';
import type { OasisEvent } from '../events/schema.js';
import type { Logger } from '../core/log.js';
import { serviceIdentity } from '../core/caller.js';

/**
 * The live feed of one gateway instance. It holds the instance's one LISTEN connection; a NOTIFY
 * carries only the writing transaction (the insert trigger sends it at commit, once per statement),
 * so the hub reads the new rows itself, once per wake-up, in feed order from the last position it
 * reached, and offers each to every subscribed SSE client.
 *
 * Feed order is (txid, id), read only below the oldest open transaction (see events/position.ts), so a
 * position once passed can never have rows appear behind it, though writers take no lock. A row
 * that committed while an older transaction is still open is readable only once that one ends; a
 * transaction that ends without writing events (or rolls back) sends no NOTIFY, so while a notified
 * transaction is held back the hub looks again after a few milliseconds. After the LISTEN connection
 * reconnects, and at every keepalive tick (in case a connection died silently), it reads from the
 * cursor again, so no event is missed.
 */

export const FEED_CHANNEL = 'oasis_events';

// The hub reads every tenant's rows (each client's share is decided in audience.ts); as service_role,
// not as the connection's owner role, so it holds no more rights than reading needs.
const HUB_IDENTITY = serviceIdentity('feed-hub');

/** One SSE client as the hub sees it. Every method is synchronous and must never wait on the client. */
export interface FeedSubscriber {
  /** Whether this client wants the event and may see it. */
  accepts(event: OasisEvent): boolean;
  deliver(event: OasisEvent, position: FeedPosition): void;
  /** The heartbeat. Every event up to `cursor` has been offered to this subscriber. */
  keepalive(cursor: FeedPosition): void;
  /** The hub is stopping (shutdown): end the stream. */
  close(): void;
}

export interface Subscription {
  /** The hub's position when the subscriber joined: it is offered every event after it. */
  cursor: FeedPosition;
  unsubscribe(): void;
}

/**
 * The hub cannot take a client now; answered with 503 and Retry-After. `feed_full`: the cap on
 * concurrent streams; `shutting_down`: the client reconnects to another instance; `feed_starting`:
 * the LISTEN connection is not up yet (the database was unreachable when the instance started).
 */
export class FeedUnavailableError extends Error {
  constructor(
    readonly code: 'feed_full' | 'shutting_down' | 'feed_starting',
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
    this.name = 'FeedUnavailableError';
  }
}

const START_RETRY_MS = [1_000, 2_000, 5_000, 10_000, 30_000];
// How soon to look again while a notified transaction is held back behind an older open one.
const HELD_BACK_RETRY_MS = [2, 5, 10, 20];
// Held back longer than this, the operator hears which transaction holds the feed (see RUNBOOKS.md).
const HELD_BACK_WARN_MS = 5_000;

export interface FeedHubOptions {
  db: Database;
  logger: Logger;
  maxClients: number;
  keepaliveMs: number;
  /** Rows read per query while catching up. */
  batchSize?: number;
}

export class FeedHub {
  readonly keepaliveMs: number;
  private readonly subscribers = new Set<FeedSubscriber>();
  private readonly batchSize: number;
  private cursor: FeedPosition = FEED_START;
  /** The newest transaction a NOTIFY announced, and the horizon of the last read. */
  private notifiedTxid = 0;
  private horizon = 0;
  private heldBack: NodeJS.Timeout | null = null;
  private heldBackAttempt = 0;
  private heldBackSince: number | null = null;
  private listener: Listener | null = null;
  private timer: NodeJS.Timeout | null = null;
  private startRetry: NodeJS.Timeout | null = null;
  private started = false;
  private stopped = false;
  private pumping = false;
  private pumpAgain = false;

  constructor(private readonly options: FeedHubOptions) {
    this.keepaliveMs = options.keepaliveMs;
    this.batchSize = options.batchSize ?? 500;
  }

  get clientCount(): number {
    return this.subscribers.size;
  }

  /**
   * LISTEN, then take the current last id as the starting cursor, then start the keepalive tick. If
   * the database is unreachable or not migrated yet, the instance still starts (its readiness check
   * reports the database) and the hub keeps trying in the background; until then clients get 503.
   * Other errors (such as a transaction-pooler URL, which cannot LISTEN) fail the start.
   */
  async start(): Promise<void> {
    try {
      await this.connect();
    } catch (error) {
      // LISTEN refused by a reachable server is a configuration error (e.g. the transaction pooler):
      // fail the start. An unreachable database, or a schema not migrated yet, passes: retry.
      if (!this.listener && !isDatabaseUnavailable(error)) throw error;
      this.options.logger.warn('feed hub: cannot start yet; retrying in the background', { error });
      this.retryStart(0);
    }
  }

  private retryStart(attempt: number): void {
    const delay = START_RETRY_MS[Math.min(attempt, START_RETRY_MS.length - 1)]!;
    this.startRetry = setTimeout(() => {
      if (this.stopped) return;
      this.connect().then(
        () => this.options.logger.info('feed hub started', { cursor: this.cursor }),
        (error: unknown) => {
          this.options.logger.warn('feed hub: still cannot start; retrying', { error, attempt: attempt + 1 });
          this.retryStart(attempt + 1);
        },
      );
    }, delay);
    this.startRetry.unref();
  }

  private async connect(): Promise<void> {
    const { db, logger } = this.options;
    // LISTEN first: a row committing while the cursor is read is then either at or below the cursor
    // (in the past for every client, none can have subscribed yet) or announced and read by pump().
    if (!this.listener) {
      const listener = await db.listen(FEED_CHANNEL, {
        onNotify: (payload) => this.onNotify(payload),
        onDisconnect: () => logger.warn('feed hub: LISTEN connection lost; live events pause until it reconnects', { cursor: this.cursor }),
        onReconnect: () => {
          logger.info('feed hub: LISTEN connection back; catching up from the last id seen', { cursor: this.cursor });
          void this.pump();
        },
      });
      // stop() may have run meanwhile (a background retry racing the shutdown).
      if (this.stopped) return listener.close();
      this.listener = listener;
    }
    const cursor = (await asRole(db, HUB_IDENTITY, (tx) => latestFeedPosition(tx))) ?? FEED_START;
    if (this.stopped) return;
    this.cursor = cursor;
    this.started = true;
    this.timer = setInterval(() => this.tick(), this.keepaliveMs);
    this.timer.unref();
    // A notification that arrived while the cursor was being read was ignored: look once.
    void this.pump();
  }

  /** Adds a client, or throws FeedUnavailableError (the cap, shutdown, not started yet). */
  subscribe(subscriber: FeedSubscriber): Subscription {
    if (this.stopped) throw new FeedUnavailableError('shutting_down', 'this instance is shutting down', 1);
    if (!this.started) throw new FeedUnavailableError('feed_starting', 'the live feed is not connected to the database yet', 5);
    if (this.subscribers.size >= this.options.maxClients) {
      throw new FeedUnavailableError('feed_full', `the live feed serves at most ${this.options.maxClients} concurrent streams`, 5);
    }
    this.subscribers.add(subscriber);
    return { cursor: this.cursor, unsubscribe: () => this.subscribers.delete(subscriber) };
  }

  /** The feed position of event `id` (a client's Last-Event-ID), or null when there is no such event. */
  positionOf(id: number): Promise<FeedPosition | null> {
    return asRole(this.options.db, HUB_IDENTITY, (tx) => feedPositionOf(tx, id));
  }

  /** Shutdown: stop listening and end every open stream, so the HTTP server can close. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.startRetry) clearTimeout(this.startRetry);
    if (this.heldBack) clearTimeout(this.heldBack);
    for (const subscriber of [...this.subscribers]) subscriber.close();
    this.subscribers.clear();
    await this.listener?.close();
    this.listener = null;
  }

  private onNotify(payload: string): void {
    if (!this.started || this.stopped) return;
    let txid: number | null = null;
    try {
      txid = parseTxid(payload);
    } catch {
      // Not ours to interpret (a manual NOTIFY): just look.
    }
    if (txid !== null) {
      // Transactions up to the cursor's have ended and were read (one read takes many at once).
      if (txid <= this.cursor.txid) return;
      this.notifiedTxid = Math.max(this.notifiedTxid, txid);
    }
    void this.pump();
  }

  private tick(): void {
    for (const subscriber of [...this.subscribers]) subscriber.keepalive(this.cursor);
    void this.pump();
  }

  /** One round trip: the role and the read go out together. */
  private async read(after: FeedPosition): Promise<FeedPage> {
    const [result] = await batchAsRole(this.options.db, HUB_IDENTITY, [feedPageStatement({}, after, this.batchSize)]);
    return readFeedPage(result!);
  }

  /** Reads every row after the cursor and fans it out; one read at a time, repeated if woken meanwhile. */
  private async pump(): Promise<void> {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        let page: FeedPage;
        do {
          page = await this.read(this.cursor);
          this.horizon = page.horizon;
          for (const entry of page.entries) this.fanOut(entry.event, entry.position);
        } while (page.entries.length === this.batchSize && !this.stopped);
      } while (this.pumpAgain && !this.stopped);
      this.lookAgainIfHeldBack();
    } catch (error) {
      // Nothing is lost: the cursor did not move, the next notification or tick reads again.
      if (!this.stopped) this.options.logger.warn('feed hub: reading new events failed; retrying at the next notification or tick', { error, cursor: this.cursor });
    } finally {
      this.pumping = false;
    }
  }

  /**
   * A transaction was announced that the last read could not see yet (an older one is still open).
   * The older one may end without a NOTIFY of its own, so do not wait for one: look again shortly.
   */
  private lookAgainIfHeldBack(): void {
    if (this.notifiedTxid < this.horizon) {
      this.heldBackAttempt = 0;
      this.heldBackSince = null;
      return;
    }
    if (this.stopped || this.heldBack) return;
    const now = Date.now();
    this.heldBackSince ??= now;
    if (now - this.heldBackSince >= HELD_BACK_WARN_MS) {
      // Once per episode: the oldest open write transaction of this database delays (never loses) events.
      this.heldBackSince = Number.POSITIVE_INFINITY;
      this.options.logger.warn('feed hub: new events are held back by an open transaction; they are delivered when it ends', {
        oldestOpenTxid: String(this.horizon),
        runbook: 'docs/RUNBOOKS.md, "The live feed says events are held back"',
      });
    }
    const delay = HELD_BACK_RETRY_MS[Math.min(this.heldBackAttempt, HELD_BACK_RETRY_MS.length - 1)]!;
    this.heldBackAttempt += 1;
    this.heldBack = setTimeout(() => {
      this.heldBack = null;
      void this.pump();
    }, delay);
    this.heldBack.unref();
  }

  private fanOut(event: OasisEvent, position: FeedPosition): void {
    // Synchronous with the subscribe() check of `cursor`: a client joining between two events gets
    // exactly the events after the cursor it was given.
    if (comparePositions(position, this.cursor) <= 0) return;
    this.cursor = position;
    for (const subscriber of this.subscribers) {
      if (subscriber.accepts(event)) subscriber.deliver(event, position);
    }
  }
}
