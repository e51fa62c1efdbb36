import { createRoute, z } from '@hono/zod-openapi';
import { errorBody } from '../http/errors.js';
import { createRouter, errorResponse } from '../http/router.js';
import type { Logger } from '../core/log.js';
import { loadConsolePage, type ConsolePage, type ConsolePageFile } from './page.js';

export interface ConsoleRoutesDeps {
  logger: Logger;
}

const PAGE_HEADERS = {
  // The page URL may carry ?access_token=: never send it on to the sites the event links point at.
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-cache',
};

interface PageSpec {
  path: string;
  file: ConsolePageFile;
  summary: string;
  description: string;
}

const PAGES: PageSpec[] = [
  {
    path: '/',
    file: 'console.html',
    summary: 'The Live Console (HTML): live events, a VTID filter and the agents panel',
    description: 'Static; it reads data through the feed and query APIs with the token given as `?access_token=` or entered on the page.',
  },
  {
    path: '/console/timeline',
    file: 'views/timeline.html',
    summary: "A task's timeline (HTML): phases, a bar per step on a time axis, durations; live",
    description: 'Static; `?vtid=` names the task. It reads GET /vtid/{vtid}/timeline and follows the live feed for the VTID.',
  },
  {
    path: '/console/board',
    file: 'views/board.html',
    summary: 'The wall board (HTML): what is red per workflow and Cloud Run service, since when, and the four keys',
    description: 'Static; filters (repo, service, layer, module, status) live in the URL. It reads GET /api/v1/oasis/board and /api/v1/oasis/metrics and follows the live feed.',
  },
];

export function consoleRoutes(deps: ConsoleRoutesDeps) {
  const router = createRouter();
  for (const spec of PAGES) servePage(router, spec, loadConsolePage(spec.file), deps.logger);
  serveFavicon(router);
  return router;
}

/** Every browser asks for /favicon.ico on its own; a 404 there was a WARNING line per page view. */
function serveFavicon(router: ReturnType<typeof createRouter>): void {
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
}

function servePage(router: ReturnType<typeof createRouter>, spec: PageSpec, page: ConsolePage | null, logger: Logger): void {
  const where = `runtime/console/${spec.file}`;
  if (!page) logger.error(`Console page missing: ${where} (or an include of it) is not in the image; GET ${spec.path} answers 500`);
  const route = createRoute({
    method: 'get',
    path: spec.path,
    tags: ['Console'],
    summary: spec.summary,
    description: spec.description,
    responses: {
      200: { description: 'The page.', content: { 'text/html': { schema: z.string() } } },
      500: errorResponse('The page file is missing from this deployment.'),
    },
  });
  router.openapi(route, (c) => {
    if (!page) {
      c.set('errorCode', 'console_missing');
      return c.json(errorBody('console_missing', `the console page ${where} is missing from this deployment`), 500);
    }
    return c.html(page.html, 200, { 'Content-Security-Policy': page.csp, ...PAGE_HEADERS });
  });
}

const FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="#0f766e"/><circle cx="8" cy="8" r="3" fill="#fff"/></svg>';
