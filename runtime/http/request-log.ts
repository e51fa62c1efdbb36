import type { MiddlewareHandler } from 'hono';
import type { Logger, Severity } from '../core/log.js';
import type { AppEnv } from './env.js';

function severityFor(status: number): Severity {
  if (status >= 500) return 'ERROR';
  if (status >= 400) return 'WARNING';
  return 'INFO';
}

/**
 * One JSON line per request. The path is logged without its query string (it may carry an
 * access_token); bodies and headers are never logged. A rejected request's error code and an
 * unexpected failure ride on this same line, so each request is logged exactly once.
 */
export function requestLog(logger: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    c.set('logger', logger);
    await next();
    const status = c.res.status;
    const fields: Record<string, unknown> = {
      method: c.req.method,
      path: c.req.path,
      status,
      latencyMs: Math.round((performance.now() - started) * 10) / 10,
      httpRequest: { requestMethod: c.req.method, requestUrl: c.req.path, status },
    };
    const vtid = c.get('vtid');
    if (vtid) fields.vtid = vtid;
    const errorCode = c.get('errorCode');
    if (errorCode) fields.errorCode = errorCode;
    const failure = c.get('failure');
    if (failure !== undefined) fields.error = failure;
    logger.log(severityFor(status), `${c.req.method} ${c.req.path} ${status}`, fields);
  };
}
