import type { PageRow } from './repository.js';

/**
 * The query API's answer as JSON text, at most `maxBytes` long: `{"ok":true,"data":[…],"nextCursor":…}`.
 * Pure. Rows are added newest first while they fit; a page holds at least one event, so one event
 * larger than the cap is a page of its own. nextCursor (the keyset cursor, `before=`) is set whenever
 * more may follow: the page is full (`limit` events), or it was cut for its size.
 */

/** EVENTS_PAGE_MAX_BYTES unless set: a page the console or an agent parses in moments, far from any memory limit. */
export const DEFAULT_PAGE_MAX_BYTES = 4 * 1024 * 1024;

export interface EventPage {
  body: string;
  count: number;
  nextCursor: number | null;
}

// Everything of the answer but its events: {"ok":true,"data":[ … ],"nextCursor":<up to 16 digits>}.
const ENVELOPE_BYTES = Buffer.byteLength('{"ok":true,"data":[],"nextCursor":}') + 16;

/** One event's JSON: its fields, then metadata and (with include=payload) payload, as stored. */
function eventJson(row: PageRow, includePayload: boolean): string {
  const fields = JSON.stringify(row.fields);
  const payload = includePayload ? `,"payload":${row.payloadJson ?? 'null'}` : '';
  return `${fields.slice(0, -1)},"metadata":${row.metadataJson ?? '{}'}${payload}}`;
}

export function eventPageJson(rows: readonly PageRow[], options: { limit: number; maxBytes: number; includePayload: boolean }): EventPage {
  const events: string[] = [];
  let bytes = ENVELOPE_BYTES;
  let cut = false;
  let lastId: number | null = null;
  for (const row of rows) {
    // The database marked the first row past the cap: the page ends before it.
    if (!row.fits && events.length > 0) {
      cut = true;
      break;
    }
    const text = eventJson(row, options.includePayload);
    const size = Buffer.byteLength(text) + (events.length > 0 ? 1 : 0);
    if (events.length > 0 && bytes + size > options.maxBytes) {
      cut = true;
      break;
    }
    events.push(text);
    bytes += size;
    lastId = row.fields.id;
    if (bytes > options.maxBytes) {
      // A first event larger than the cap: alone on its page.
      cut = true;
      break;
    }
  }
  const nextCursor = cut || events.length === options.limit ? lastId : null;
  return { body: `{"ok":true,"data":[${events.join(',')}],"nextCursor":${nextCursor ?? 'null'}}`, count: events.length, nextCursor };
}
