import type { OasisEvent } from '../../runtime/events/schema.js';

/**
 * A Server-Sent Events client for tests: reads a real HTTP stream with fetch, parses frames the way
 * a browser's EventSource does (including its Last-Event-ID bookkeeping), and lets tests wait for
 * what they expect without sleeping.
 */

export interface SseFrame {
  id?: string;
  event?: string;
  data?: string;
  retry?: number;
  comments: string[];
}

export interface SseClient {
  status: number;
  headers: Headers;
  /** The error body of a non-200 answer. */
  errorBody?: { ok: false; error: { code: string; message: string } };
  frames: SseFrame[];
  /** As EventSource keeps it: the last `id:` seen (events and keepalive cursors alike). */
  lastEventId(): string | undefined;
  /** The OASIS events received, in order. */
  events(): OasisEvent[];
  /** Resolves when `predicate` holds (checked after every frame); rejects after `timeoutMs`. */
  waitFor(predicate: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  waitForEvents(count: number, timeoutMs?: number): Promise<OasisEvent[]>;
  /** Resolves once every event up to `id` has been offered: an event or keepalive cursor >= id arrived. */
  waitForCursor(id: number, timeoutMs?: number): Promise<void>;
  /** Resolves when the server ends the stream (or the connection breaks). */
  ended: Promise<void>;
  isEnded(): boolean;
  close(): void;
}

export interface OpenSseOptions {
  token?: string;
  lastEventId?: number | string;
  headers?: Record<string, string>;
}

export async function openSse(url: string, options: OpenSseOptions = {}): Promise<SseClient> {
  const controller = new AbortController();
  const headers: Record<string, string> = { accept: 'text/event-stream', ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.lastEventId !== undefined) headers['last-event-id'] = String(options.lastEventId);
  const response = await fetch(url, { headers, signal: controller.signal });

  const frames: SseFrame[] = [];
  const watchers = new Set<() => void>();
  let lastId: string | undefined;
  let ended = false;
  const notify = () => {
    for (const watcher of [...watchers]) watcher();
  };

  let errorBody: SseClient['errorBody'];
  let endedPromise: Promise<void>;
  if (response.status !== 200 || !response.body) {
    errorBody = (await response.json().catch(() => undefined)) as SseClient['errorBody'];
    ended = true;
    endedPromise = Promise.resolve();
  } else {
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    endedPromise = (async () => {
      let buffer = '';
      let frame: SseFrame = { comments: [] };
      let hasFields = false;
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          buffer += value;
          let newline;
          while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
            const line = buffer.slice(0, newline);
            buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
            if (line === '') {
              if (hasFields) {
                if (frame.id !== undefined) lastId = frame.id;
                frames.push(frame);
                notify();
              }
              frame = { comments: [] };
              hasFields = false;
              continue;
            }
            hasFields = true;
            if (line.startsWith(':')) {
              frame.comments.push(line.slice(1).trim());
              continue;
            }
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const raw = colon < 0 ? '' : line.slice(colon + 1);
            const value = raw.startsWith(' ') ? raw.slice(1) : raw;
            if (field === 'id') frame.id = value;
            else if (field === 'event') frame.event = value;
            else if (field === 'data') frame.data = frame.data === undefined ? value : `${frame.data}\n${value}`;
            else if (field === 'retry') frame.retry = Number(value);
          }
        }
      } catch {
        // aborted by close() or the connection was reset: the stream is over either way
      } finally {
        ended = true;
        notify();
      }
    })();
  }

  const events = () => frames.filter((f) => f.data !== undefined && f.event === undefined).map((f) => JSON.parse(f.data!) as OasisEvent);

  const waitFor = (predicate: () => boolean, what: string, timeoutMs = 15_000) =>
    new Promise<void>((resolve, reject) => {
      if (predicate()) return resolve();
      const timer = setTimeout(() => {
        watchers.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; ${frames.length} frames, ${events().length} events, ended=${ended}`));
      }, timeoutMs);
      const check = () => {
        if (!predicate()) return;
        clearTimeout(timer);
        watchers.delete(check);
        resolve();
      };
      watchers.add(check);
    });

  return {
    status: response.status,
    headers: response.headers,
    errorBody,
    frames,
    lastEventId: () => lastId,
    events,
    waitFor,
    waitForEvents: async (count, timeoutMs) => {
      await waitFor(() => events().length >= count, `${count} events`, timeoutMs);
      return events();
    },
    waitForCursor: (id, timeoutMs) => waitFor(() => lastId !== undefined && Number(lastId) >= id, `cursor ${id}`, timeoutMs),
    ended: endedPromise,
    isEnded: () => ended,
    close: () => controller.abort(),
  };
}
