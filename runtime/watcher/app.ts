/**
 * The watcher's HTTP surface: `POST /poll` (Cloud Scheduler, every minute; on Cloud Run only the
 * scheduler's identity may invoke the service, so there is no auth code here) and `GET /healthz`.
 * Failures of the services it depends on are 5xx with `{ ok: false, error: { code, message } }`, so
 * Scheduler records a failed attempt; nothing is lost, the next poll covers the same window.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { answerNoRoute } from '../http/on-error.js';
import { answerPollFailure, runPoll, watcherHealth } from './watcher.handlers.js';
import { healthRoute, pollRoute, type WatcherContext, type WatcherEnv } from './watcher.routes.js';

export type WatcherAppDeps = WatcherContext;

/** The watcher's routes, with its poller and logger handed to every request (`c.var.watcher`). */
export function createWatcherApp(deps: WatcherAppDeps): OpenAPIHono<WatcherEnv> {
  const app = new OpenAPIHono<WatcherEnv>();
  app.use('*', async (c, next) => {
    c.set('watcher', deps);
    await next();
  });
  app.openapi(pollRoute, runPoll);
  app.openapi(healthRoute, watcherHealth);
  app.onError(answerPollFailure);
  app.notFound(answerNoRoute);
  return app;
}
