import type { RouteHandler } from '@hono/zod-openapi';
import type { ErrorHandler } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { errorBody } from '../http/errors.js';
import { GatewayError } from './gateway-client.js';
import { LoggingQuotaError, LoggingUnavailableError } from './logging-source.js';
import type { healthRoute, pollRoute, WatcherEnv } from './watcher.routes.js';

interface Failure {
  status: ContentfulStatusCode;
  code: string;
  message: string;
  headers?: Record<string, string>;
}

function classify(error: unknown): Failure {
  if (error instanceof LoggingQuotaError) {
    return { status: 503, code: 'logging_quota_exhausted', message: error.message, headers: { 'Retry-After': '60' } };
  }
  if (error instanceof LoggingUnavailableError) return { status: 502, code: 'logging_unavailable', message: error.message };
  if (error instanceof GatewayError) return { status: 502, code: 'gateway_unavailable', message: error.message };
  return { status: 500, code: 'internal', message: 'internal error' };
}

export const runPoll: RouteHandler<typeof pollRoute, WatcherEnv> = async (c) => {
  const { poller, logger } = c.var.watcher;
  const started = Date.now();
  const result = await poller.poll();
  logger.info('poll finished', { ...result, ms: Date.now() - started });
  return c.json(result, 200);
};

export const watcherHealth: RouteHandler<typeof healthRoute, WatcherEnv> = (c) => c.json({ ok: true as const, service: 'deploy-watcher' as const }, 200);

export const answerPollFailure: ErrorHandler<WatcherEnv> = (error, c) => {
  const failure = classify(error);
  c.var.watcher.logger.error(failure.status === 500 ? 'poll failed unexpectedly' : 'poll failed', {
    code: failure.code,
    path: c.req.path,
    error,
  });
  return c.json(errorBody(failure.code, failure.message), failure.status, failure.headers ?? {});
};
