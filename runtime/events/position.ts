/**
 * Pure: where an event stands in the live feed's order. The feed orders events by the transaction
 * that wrote them, then by id, and reads only transactions that have ended (below the oldest one
 * still open, see FEED_HORIZON_SQL in the repository), so nothing can ever appear behind a position once the feed has passed it, without writers
 * taking turns. Ids are still unique, and the SSE `id:` a client resumes from; the feed looks up
 * that event's position. See docs/ARCHITECTURE.md, "Feed order".
 */
export interface FeedPosition {
  /** The writing transaction (PostgreSQL xid8; 0 for rows stored before migration 005). */
  txid: number;
  id: number;
}

/** Before every event. */
export const FEED_START: FeedPosition = { txid: 0, id: 0 };

export function comparePositions(a: FeedPosition, b: FeedPosition): number {
  return a.txid !== b.txid ? a.txid - b.txid : a.id - b.id;
}

/**
 * xid8 as text to a number: exact while the cluster is below 2^21 xid epochs (2^53), that is,
 * for longer than any database will live at any write rate PostgreSQL can sustain.
 */
export function parseTxid(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`not a transaction id: ${text}`);
  return value;
}
