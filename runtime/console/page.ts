import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { projectRoot } from '../core/project-root.js';

/**
 * The console pages: static HTML files with their CSS and JS inline (no build step, no external
 * assets, so they work without internet). Read once at start, with a Content-Security-Policy that
 * allows exactly their own inline script and style (by hash) and requests to this gateway only.
 *
 * What the pages share (views/shared.css, views/shared.js) is written once and spliced in where a page
 * says `/*@include shared.js*\/`, before hashing: still one inline block per page, still no build step.
 */

export interface ConsolePage {
  html: string;
  csp: string;
}

/** The console folder: beside this module under tsx; under the image root (which also holds migrations/) in a bundle. */
function consoleDir(): string {
  const beside = fileURLToPath(new URL('.', import.meta.url));
  return existsSync(join(beside, 'console.html')) ? beside : join(projectRoot(), 'runtime/console');
}

const INCLUDE = /\/\*@include ([a-z-]+\.(?:js|css))\*\//g;

/** The page's HTML with its includes spliced in, or null when the page or an include is missing. */
function readPage(relative: string): string | null {
  const dir = consoleDir();
  const file = join(dir, relative);
  if (!existsSync(file)) return null;
  let missing = false;
  const html = readFileSync(file, 'utf8').replace(INCLUDE, (_match, name: string) => {
    const included = join(dir, 'views', name);
    if (!existsSync(included)) {
      missing = true;
      return '';
    }
    return readFileSync(included, 'utf8');
  });
  return missing ? null : html;
}

function hashesOf(html: string, tag: 'script' | 'style'): string[] {
  const pattern = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g');
  return [...html.matchAll(pattern)].map((match) => `'sha256-${createHash('sha256').update(match[1]!).digest('base64')}'`);
}

/** Pure: the policy for a page: its inline blocks by hash, fetch/EventSource to the same origin only. */
export function contentSecurityPolicy(html: string): string {
  return [
    "default-src 'none'",
    `script-src ${hashesOf(html, 'script').join(' ')}`,
    `style-src ${hashesOf(html, 'style').join(' ')}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * The page, or null when the file is missing (an image built without runtime/console/console.html):
 * the API must keep serving, so the caller logs it and answers GET / with a 500 naming the cause.
 */
export function loadConsolePage(relative: ConsolePageFile = 'console.html'): ConsolePage | null {
  const html = readPage(relative);
  return html === null ? null : { html, csp: contentSecurityPolicy(html) };
}

/** The pages, relative to runtime/console/. */
export type ConsolePageFile = 'console.html' | 'views/timeline.html' | 'views/board.html';

/** Where the page is expected, for the error message. */
export const CONSOLE_PAGE_PATH = 'runtime/console/console.html';
