import type { OasisEvent } from '../events/schema.js';

/**
 * Pure: the Server-Sent Events frames of the live feed, as text. Every frame ends with a blank line.
 * JSON.stringify escapes newlines, so an event's data always stays on one `data:` line.
 */

/** What the browser waits before reconnecting after the stream ends (Cloud Run's request timeout, a deploy). */
export const FEED_RETRY_MS = 2_000;

/** The heartbeat's data; the Live Console uses keepaliveMs to decide when silence means "offline". */
export interface PingData {
  keepaliveMs: number;
}

/** One OASIS event: `id` is the resume cursor, the default event type lets `EventSource.onmessage` see it. */
export function eventFrame(event: OasisEvent): string {
  return `id: ${event.id}\ndata: ${JSON.stringify(event)}\n\n`;
}

const encoder = new TextEncoder();
const encodedFrames = new WeakMap<OasisEvent, Uint8Array>();

/**
 * eventFrame as bytes, encoded once per event object: the hub hands the same object to every
 * subscriber, so a thousand clients share one serialization and one buffer instead of a thousand.
 */
export function encodedEventFrame(event: OasisEvent): Uint8Array {
  let bytes = encodedFrames.get(event);
  if (!bytes) {
    bytes = encoder.encode(eventFrame(event));
    encodedFrames.set(event, bytes);
  }
  return bytes;
}

/**
 * The first frame: tells the browser how soon to reconnect and starts the heartbeat clock. With
 * `cursor`, it also sets the browser's Last-Event-ID, so a client that has received nothing yet
 * still resumes exactly where it joined (an `id:` with no `data:` dispatches no event).
 */
export function openFrame(ping: PingData, cursor?: number): string {
  const id = cursor === undefined ? '' : `id: ${cursor}\n`;
  return `retry: ${FEED_RETRY_MS}\n${id}event: ping\ndata: ${JSON.stringify(ping)}\n\n`;
}

/**
 * The keepalive: a comment line keeps proxies from closing an idle stream; the `ping` event beside it
 * lets the page see the stream is alive (EventSource hides comments). `cursor`, when given, advances
 * the browser's Last-Event-ID past events this client did not want (filters, other tenants), so its
 * next resume replays less.
 */
export function keepaliveFrame(ping: PingData, cursor?: number): string {
  const id = cursor === undefined ? '' : `id: ${cursor}\n`;
  return `: keepalive\n${id}event: ping\ndata: ${JSON.stringify(ping)}\n\n`;
}

/** Moves the browser's Last-Event-ID without dispatching an event (no `data:`). */
export function cursorFrame(cursor: number): string {
  return `id: ${cursor}\n\n`;
}
