import { HTTPException } from 'hono/http-exception';
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
 * Hono's own HTTPException, carrying our error code and body. Whatever answers it (our error handler,
 * or Hono's default one through getResponse()) sends `{ ok: false, error: { code, message } }`, so a
 * refusal reads the same wherever it is raised. 4xx means the client caused it; the request log
 * records its code once. The error handler tells it apart from Hono's own exceptions by its type.
 */
export class ApiError extends HTTPException {
  constructor(
    override readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(status, { message });
    this.name = 'ApiError';
  }

  override getResponse(): Response {
    return Response.json(errorBody(this.code, this.message), { status: this.status, headers: this.headers });
  }
}

/** The answer `status` with our body: the one way handlers and middleware refuse a request. */
export const apiError = (status: ContentfulStatusCode, code: string, message: string, headers?: Record<string, string>) =>
  new ApiError(status, code, message, headers);

export const badRequest = (code: string, message: string) => apiError(400, code, message);
export const unauthorized = (code: string, message: string) => apiError(401, code, message, { 'WWW-Authenticate': 'Bearer' });
export const forbidden = (code: string, message: string) => apiError(403, code, message);
export const notFound = (code: string, message: string) => apiError(404, code, message);
export const conflict = (code: string, message: string) => apiError(409, code, message);
