import type { RouteHandler } from '@hono/zod-openapi';
import type { Logger } from '../core/log.js';
import { errorBody } from '../http/errors.js';
import { PAGES, type ConsoleContext, type ConsoleEnv, type favicon, type pageRoute, type PageSpec } from './console.routes.js';
import { loadConsolePage, type ConsolePage, type ConsolePageFile } from './page.js';

const PAGE_HEADERS = {
  // The page URL may carry ?access_token=: never send it on to the sites the event links point at.
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-cache',
};

const FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="#0f766e"/><circle cx="8" cy="8" r="3" fill="#fff"/></svg>';

/** The pages, read once when the gateway is composed; a missing one is logged then, and answers 500. */
export function loadConsolePages(logger: Logger): ConsoleContext {
  const pages = new Map<ConsolePageFile, ConsolePage | null>();
  for (const spec of PAGES) {
    const page = loadConsolePage(spec.file);
    if (!page) logger.error(`Console page missing: runtime/console/${spec.file} (or an include of it) is not in the image; GET ${spec.path} answers 500`);
    pages.set(spec.file, page);
  }
  return { pages };
}

export function servePage(spec: PageSpec): RouteHandler<ReturnType<typeof pageRoute>, ConsoleEnv> {
  return (c) => {
    const page = c.var.console.pages.get(spec.file);
    if (!page) {
      c.set('errorCode', 'console_missing');
      return c.json(errorBody('console_missing', `the console page runtime/console/${spec.file} is missing from this deployment`), 500);
    }
    return c.html(page.html, 200, { 'Content-Security-Policy': page.csp, ...PAGE_HEADERS });
  };
}

export const serveFavicon: RouteHandler<typeof favicon, ConsoleEnv> = (c) =>
  c.body(FAVICON_SVG, 200, { 'Content-Type': 'image/svg+xml', 'Cache-Control': 'public, max-age=86400', 'X-Content-Type-Options': 'nosniff' });
