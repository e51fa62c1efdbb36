import { createRoute, z } from '@hono/zod-openapi';
import { errorBody } from '../http/errors.js';
import { createRouter, errorResponse } from '../http/router.js';
import type { Logger } from '../log.js';
import { CONSOLE_PAGE_PATH, loadConsolePage } from './page.js';

export interface ConsoleRoutesDeps {
  logger: Logger;
}

export function consoleRoutes(deps: ConsoleRoutesDeps) {
  const router = createRouter();
  const page = loadConsolePage();
  if (!page) deps.logger.error(`Live Console page missing: ${CONSOLE_PAGE_PATH} is not in the image; GET / answers 500`);

  const route = createRoute({
    method: 'get',
    path: '/',
    tags: ['Console'],
    summary: 'The Live Console (HTML): live events, a VTID filter and the agents panel',
    description: 'Static; it reads data through the feed and query APIs with the token given as `?access_token=` or entered on the page.',
    responses: {
      200: { description: 'The page.', content: { 'text/html': { schema: z.string() } } },
      500: errorResponse('The page file is missing from this deployment.'),
    },
  });

  router.openapi(route, (c) => {
    if (!page) {
      c.set('errorCode', 'console_missing');
      return c.json(errorBody('console_missing', 'the Live Console page is missing from this deployment'), 500);
    }
    return c.html(page.html, 200, {
      'Content-Security-Policy': page.csp,
      // The page URL may carry ?access_token=: never send it on to the sites the event links point at.
      'Referrer-Policy': 'no-referrer',
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-cache',
    });
  });

  return router;
}
