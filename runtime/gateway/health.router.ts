import { createRouter } from '../http/router.js';
import { alive, ready } from './health.handlers.js';
import { liveness, readiness, type HealthEnv } from './health.routes.js';

/** Liveness and readiness probes. Dependencies come from `c.var.health`. */
export const healthRouter = createRouter<HealthEnv>().openapi(liveness, alive).openapi(readiness, ready);
