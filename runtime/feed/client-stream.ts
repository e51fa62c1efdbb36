import { batchAsRole } from '../db/as-role.js';
import type { Database } from '../core/database.js';
import { comparePositions, FEED_START, type FeedPosition } from '../events/position.js';
import { feedPageStatement, readFeedPage, type FeedEntry } from '../events/repository.js';
import type { Logger } from '../core/log.js';
import { matchesFilter, visibleTo, type FeedFilter } from './audience.js';
import { SseChannel, type EndReason } from './channel.js';
import { cursorFrame, encodedEventFrame, eventFrame, keepaliveFrame, openFrame, type PingData } from './frames.js';
import type { FeedHub, FeedSubscriber } from './hub.js';
import { actorName, dbIdentity, type Caller } from '../core/caller.js';

export interface FeedStreamDeps {
  /** What one stream needs of the instance's hub. */
  hub: Pick<FeedHub, 'keepaliveMs' | 'subscribe' | 'positionOf'>;
  db: Database;
  logger: Logger;
  /** Frames queued for one client before it is dropped (feed.clientBuffer). */
  clientBuffer: number;
}

export interface FeedStreamRequest {
  caller: Caller;
  filter: FeedFilter;
  /** Last-Event-ID: replay every event after it first. Without it, the stream starts at "now". */
  after?: number;
  /** Resets the client's TCP connection (node's response), used to drop a stalled client. */
  destroyConnection?: () => void;
}

// Rows per replay query; the channel's back-pressure paces how fast they are sent.
const REPLAY_PAGE = 500;

/**
 * One client's SSE stream. Resuming without a gap or a duplicate at the seam between the table and the
 * live hub: subscribe to the hub first (live events wait in `pending`), look up the feed position of
 * the client's Last-Event-ID, replay from the table as the caller (row-level security applies), then
 * send the pending events positioned after the last one replayed, then go live. Every send is guarded
 * by `position > lastSent`, which also drops the overlap when the replay read rows the hub had not
 * announced yet. Throws FeedUnavailableError synchronously, before any byte is sent.
 */
export function openFeedStream(deps: FeedStreamDeps, request: FeedStreamRequest): ReadableStream<Uint8Array> {
  const { caller, filter } = request;
  const ping: PingData = { keepaliveMs: deps.hub.keepaliveMs };
  const started = Date.now();
  const pending: FeedEntry[] = [];
  let live = false;
  let lastSent: FeedPosition = FEED_START;
  let sent = 0;

  const send = (entry: FeedEntry): void => {
    if (comparePositions(entry.position, lastSent) <= 0) return;
    if (channel.push(encodedEventFrame(entry.event))) {
      lastSent = entry.position;
      sent += 1;
    }
  };

  const subscriber: FeedSubscriber = {
    accepts: (event) => matchesFilter(event, filter) && visibleTo(caller, event),
    deliver: (event, position) => {
      if (live) return send({ event, position });
      pending.push({ event, position });
      // Live events arriving faster than the replay drains count against the same limit.
      if (pending.length > deps.clientBuffer) channel.drop();
    },
    // During the replay the hub's cursor is ahead of what this client has, so no id then. Once live, the
    // hub may still trail a resume point this client replayed from the table (it has not read those rows
    // yet): an id below lastSent would move the browser's Last-Event-ID back and replay duplicates.
    keepalive: (cursor) => void channel.push(keepaliveFrame(ping, live ? (comparePositions(cursor, lastSent) > 0 ? cursor : lastSent).id : undefined)),
    close: () => channel.close(),
  };

  const onEnd = (reason: EndReason): void => {
    subscription.unsubscribe();
    pending.length = 0;
    const fields = { reason, events: sent, durationMs: Date.now() - started, caller: actorName(caller), lastEventId: lastSent.id };
    if (reason === 'buffer_full') deps.logger.warn('feed client dropped: too far behind; it resumes with Last-Event-ID', fields);
    else deps.logger.info('feed stream ended', fields);
  };

  // Subscribing first is what makes the seam gap-free; it also enforces the cap before any byte is sent.
  const subscription = deps.hub.subscribe(subscriber);
  const channel = new SseChannel({ limit: deps.clientBuffer, destroyConnection: request.destroyConnection, onEnd });

  if (request.after === undefined) {
    // A fresh client starts at the hub's cursor; sending it as the id lets even a client that has
    // received nothing yet resume exactly from where it joined.
    lastSent = subscription.cursor;
    live = true;
    channel.push(openFrame(ping, subscription.cursor.id));
    return channel.body;
  }

  channel.push(openFrame(ping));
  const replay = async (): Promise<void> => {
    const requested = request.after!;
    const from = requested === 0 ? FEED_START : await deps.hub.positionOf(requested);
    if (from === null) {
      // An id this database never issued (it was reset, or the client followed another deployment):
      // waiting for ids to pass it would hide every new event, so start from now instead.
      deps.logger.info('feed client resumed from an id this database does not hold; starting from now', { lastEventId: requested, cursor: subscription.cursor.id });
      lastSent = subscription.cursor;
      channel.push(cursorFrame(subscription.cursor.id));
    } else {
      let after = from;
      for (;;) {
        const [result] = await batchAsRole(deps.db, dbIdentity(caller), [feedPageStatement(filter, after, REPLAY_PAGE)]);
        const page = readFeedPage(result!);
        for (const entry of page.entries) {
          if (!(await channel.pushWhenRoom(eventFrame(entry.event)))) return;
          after = entry.position;
          sent += 1;
        }
        if (page.entries.length < REPLAY_PAGE || channel.ended) break;
      }
      lastSent = after;
    }
    // From here to `live = true` nothing awaits, so no live event can slip between the two.
    for (const entry of pending.splice(0)) send(entry);
    live = true;
  };
  replay().catch((error: unknown) => {
    // The database failed mid-replay: end this stream; the client resumes from the last id it got.
    deps.logger.error('feed replay failed', { error, lastEventId: lastSent.id });
    channel.drop('replay_failed');
  });
  return channel.body;
}
