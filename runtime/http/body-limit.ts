import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HttpError } from './errors.js';

/**
 * Caps a request body at `maxBytes` while it is read: past it, 413 `payload_too_large` ("`what` exceeds
 * N bytes"). The connection is closed with it: the unread rest of the body must not be parsed as the
 * next request.
 */
export function limitBody(maxBytes: number, what = 'the body'): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new HttpError(413, 'payload_too_large', `${what} exceeds ${maxBytes} bytes`, { Connection: 'close' });
    },
  });
}
