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

  // Every browser asks for /favicon.ico on its own; a 404 there was a WARNING line per page view.
  const favicon = createRoute({
    method: 'get',
    path: '/favicon.ico',
    tags: ['Console'],
    summary: 'The console icon (SVG), so browsers asking for it get one instead of a 404',
    responses: { 200: { description: 'The icon.', content: { 'image/svg+xml': { schema: z.string() } } } },
  });
  router.openapi(favicon, (c) =>
    c.body(FAVICON_SVG, 200, { 'Content-Type': 'image/svg+xml', 'Cache-Control': 'public, max-age=86400', 'X-Content-Type-Options': 'nosniff' }),
  );

  return router;
}

const FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="#0f766e"/><circle cx="8" cy="8" r="3" fill="#fff"/></svg>';
