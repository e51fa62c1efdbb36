import { createRoute, z } from '@hono/zod-openapi';
import type { FeatureEnv } from '../http/env.js';
import { errorResponse } from '../http/router.js';
import type { ConsolePage, ConsolePageFile } from './page.js';

/** What the console routes are given by the composition (`c.var.console`): the pages as loaded at start, null where a file is missing. */
export interface ConsoleContext {
  pages: ReadonlyMap<ConsolePageFile, ConsolePage | null>;
}

export type ConsoleEnv = FeatureEnv<'console', ConsoleContext>;

export interface PageSpec {
  path: string;
  file: ConsolePageFile;
  summary: string;
  description: string;
}

export const PAGES: readonly PageSpec[] = [
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

export function pageRoute(spec: PageSpec) {
  return createRoute({
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
}

/** One spec per page, built once at module level from the static list above. */
export const pageRoutes = PAGES.map((spec) => ({ spec, route: pageRoute(spec) }));

/** Every browser asks for /favicon.ico on its own; a 404 there was a WARNING line per page view. */
export const favicon = createRoute({
  method: 'get',
  path: '/favicon.ico',
  tags: ['Console'],
  summary: 'The console icon (SVG), so browsers asking for it get one instead of a 404',
  responses: { 200: { description: 'The icon.', content: { 'image/svg+xml': { schema: z.string() } } } },
});
