import { request, type ClientRequest } from 'node:http';

/**
 * A lean Server-Sent Events reader for the load children: one plain node:http GET per client (no
 * keep-alive agent), frames split on the blank line, and each event frame's `data:` handed over as
 * text (the caller pulls what it needs out of it, without parsing 100,000 JSON bodies).
 */

export interface SseConnection {
  status: number;
  close(): void;
  ended: Promise<void>;
}

export interface SseHandlers {
  /** An event frame (one with `data:` and no `event:` name, as EventSource's onmessage sees it). */
  onData(data: string): void;
  /** The first frame arrived: the stream is subscribed. */
  onOpen?(): void;
}

export function openSse(url: string, token: string, handlers: SseHandlers): Promise<SseConnection> {
  return new Promise((resolve, reject) => {
    let req: ClientRequest;
    let settled = false;
    let endedResolve!: () => void;
    const ended = new Promise<void>((r) => (endedResolve = r));
    req = request(url, { agent: false, headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` } }, (res) => {
      const status = res.statusCode ?? 0;
      if (status !== 200) {
        res.resume();
        settled = true;
        resolve({ status, close: () => req.destroy(), ended: Promise.resolve() });
        return;
      }
      res.setEncoding('utf8');
      let buffer = '';
      let opened = false;
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (!opened) {
            opened = true;
            handlers.onOpen?.();
            if (!settled) {
              settled = true;
              resolve({ status, close: () => req.destroy(), ended });
            }
          }
          if (frame.includes('\nevent:') || frame.startsWith('event:')) continue;
          const at = frame.indexOf('data: ');
          if (at >= 0) handlers.onData(frame.slice(at + 6));
        }
      });
      res.on('close', () => endedResolve());
      res.on('error', () => endedResolve());
    });
    req.on('error', (error) => {
      endedResolve();
      if (!settled) {
        settled = true;
        reject(error);
      }
    });
    req.end();
  });
}
