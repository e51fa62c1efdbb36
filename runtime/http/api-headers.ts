import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './env.js';

/**
 * Headers every API answer carries: `X-Content-Type-Options: nosniff` (a browser must not guess a
 * JSON body or an event stream into something it renders), and for JSON and event streams
 * `Cache-Control: no-store` unless the route chose its own (answers can hold a tenant's events and must
 * not sit in a shared cache or the browser's disk cache).
 */
export function apiHeaders(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const headers = c.res.headers;
    if (!headers.has('x-content-type-options')) headers.set('X-Content-Type-Options', 'nosniff');
    const type = headers.get('content-type') ?? '';
    if (!headers.has('cache-control') && (type.startsWith('application/json') || type.startsWith('text/event-stream'))) {
      headers.set('Cache-Control', 'no-store');
    }
  };
}
