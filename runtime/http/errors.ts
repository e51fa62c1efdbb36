import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** The body of every error response: `{ ok: false, error: { code, message } }`. */
export interface ErrorBody {
  ok: false;
  error: { code: string; message: string };
}

export function errorBody(code: string, message: string): ErrorBody {
  return { ok: false, error: { code, message } };
}

/**
 * An error a handler throws to answer with a specific status. 4xx means the client caused it; the
 * error handler turns it into an ErrorBody and the request log records its code once.
 */
export class HttpError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (code: string, message: string) => new HttpError(400, code, message);
export const unauthorized = (code: string, message: string) => new HttpError(401, code, message, { 'WWW-Authenticate': 'Bearer' });
export const forbidden = (code: string, message: string) => new HttpError(403, code, message);
export const notFound = (code: string, message: string) => new HttpError(404, code, message);
export const conflict = (code: string, message: string) => new HttpError(409, code, message);
