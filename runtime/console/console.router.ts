import { createRouter } from '../http/router.js';
import { serveFavicon, servePage } from './console.handlers.js';
import { favicon, pageRoutes, type ConsoleEnv } from './console.routes.js';

/** The Live Console's pages and icon. The loaded pages come from `c.var.console`. */
export const consoleRouter = createRouter<ConsoleEnv>();
for (const { spec, route } of pageRoutes) consoleRouter.openapi(route, servePage(spec));
consoleRouter.openapi(favicon, serveFavicon);
