import { asRole, serviceIdentity } from '../db/as-role.js';
import { isDatabaseUnavailable } from '../db/errors.js';
import type { Database, Listener } from '../db/types.js';
import { latestEventId, listEventsAfter } from '../events/repository.js';
import type { OasisEvent } from '../events/schema.js';
import type { Logger } from '../log.js';

/**
 * The live feed of one gateway instance. It holds the instance's one LISTEN connection; a NOTIFY
 * carries only the new id (the insert trigger sends it at commit), so the hub reads the new rows
 * itself, once, in id order from the last id it saw, and offers each to every subscribed SSE client.
 * Inserts take a lock so ids commit in order, which makes "rows with id > cursor" complete. After the
 * LISTEN connection reconnects, and at every keepalive tick (in case a connection died silently), it
 * reads from the cursor again, so no event is missed.
 */

export const FEED_CHANNEL = 'oasis_events';

// The hub reads every tenant's rows (each client's share is decided in audience.ts); as service_role,
// not as the connection's owner role, so it holds no more rights than reading needs.
const HUB_IDENTITY = serviceIdentity('feed-hub');

/** One SSE client as the hub sees it. Every method is synchronous and must never wait on the client. */
export interface FeedSubscriber {
  /** Whether this client wants the event and may see it. */
  accepts(event: OasisEvent): boolean;
  deliver(event: OasisEvent): void;
  /** The heartbeat. Every event up to `cursor` has been offered to this subscriber. */
  keepalive(cursor: number): void;
  /** The hub is stopping (shutdown): end the stream. */
  close(): void;
}

export interface Subscription {
  /** The hub's position when the subscriber joined: it is offered every event after this id. */
  cursor: number;
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
  private cursor = 0;
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
    const cursor = await this.latestCommittedId();
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

  /** The newest committed event id, read from the table (every tenant's rows). */
  latestCommittedId(): Promise<number> {
    return asRole(this.options.db, HUB_IDENTITY, (tx) => latestEventId(tx));
  }

  /** Shutdown: stop listening and end every open stream, so the HTTP server can close. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.startRetry) clearTimeout(this.startRetry);
    for (const subscriber of [...this.subscribers]) subscriber.close();
    this.subscribers.clear();
    await this.listener?.close();
    this.listener = null;
  }

  private onNotify(payload: string): void {
    if (!this.started || this.stopped) return;
    const id = Number(payload);
    // Rows up to the cursor were read already (one catch-up query reads many notified rows at once).
    if (Number.isSafeInteger(id) && id <= this.cursor) return;
    void this.pump();
  }

  private tick(): void {
    for (const subscriber of [...this.subscribers]) subscriber.keepalive(this.cursor);
    void this.pump();
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
        let batch: OasisEvent[];
        do {
          batch = await asRole(this.options.db, HUB_IDENTITY, (tx) => listEventsAfter(tx, { after: this.cursor }, this.batchSize));
          for (const event of batch) this.fanOut(event);
        } while (batch.length === this.batchSize && !this.stopped);
      } while (this.pumpAgain && !this.stopped);
    } catch (error) {
      // Nothing is lost: the cursor did not move, the next notification or tick reads again.
      if (!this.stopped) this.options.logger.warn('feed hub: reading new events failed; retrying at the next notification or tick', { error, cursor: this.cursor });
    } finally {
      this.pumping = false;
    }
  }

  private fanOut(event: OasisEvent): void {
    // Synchronous with the subscribe() check of `cursor`: a client joining between two events gets
    // exactly the events after the cursor it was given.
    this.cursor = event.id;
    for (const subscriber of this.subscribers) {
      if (subscriber.accepts(event)) subscriber.deliver(event);
    }
  }
}
