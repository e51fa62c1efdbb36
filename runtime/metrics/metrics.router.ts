import { createRouter } from '../http/router.js';
import { showMetrics } from './metrics.handlers.js';
import { metrics, type MetricsEnv } from './metrics.routes.js';

/** The four keys. Dependencies come from `c.var.metrics`. */
export const metricsRouter = createRouter<MetricsEnv>().openapi(metrics, showMetrics);
