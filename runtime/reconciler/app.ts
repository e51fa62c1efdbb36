/**
 * The reconciler's HTTP surface: `POST /reconcile` (Cloud Scheduler, every 15 minutes by default) and
 * `GET /healthz`. Like the deploy watcher, the service is private on Cloud Run: only the scheduler's
 * identity holds roles/run.invoker, and Cloud Run checks its OIDC token before a request gets here,
 * so there is no auth code in the app (infra/reconciler.ts, proven by test/infra/reconciler.test.ts).
 *
 * A pass that ran answers 200, also when GitHub rate-limited it (`rateLimited` says how long to wait):
 * a 5xx would make Scheduler retry at once, which is what GitHub asked us not to do. Only an OASIS
 * outage is a 5xx (503); nothing is lost, the next pass sees the same deliveries.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { answerNoRoute } from '../http/on-error.js';
import { answerPassFailure, reconcilerHealth, runPass } from './reconciler.handlers.js';
import { healthRoute, reconcileRoute, type ReconcilerContext, type ReconcilerEnv } from './reconciler.routes.js';

/** The reconciler's routes, with its reconciler and logger handed to every request (`c.var.reconciler`). */
export function createReconcilerApp(deps: ReconcilerContext): OpenAPIHono<ReconcilerEnv> {
  const app = new OpenAPIHono<ReconcilerEnv>();
  app.use('*', async (c, next) => {
    c.set('reconciler', deps);
    await next();
  });
  app.openapi(reconcileRoute, runPass);
  app.openapi(healthRoute, reconcilerHealth);
  app.onError(answerPassFailure);
  app.notFound(answerNoRoute);
  return app;
}
