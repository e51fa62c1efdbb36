import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { projectRoot } from '../paths.js';

/**
 * The Live Console: one static HTML file with its CSS and JS inline (no build step, no external
 * assets, so it works without internet). Read once at start, with a Content-Security-Policy that
 * allows exactly its own inline script and style (by hash) and requests to this gateway only.
 */

export interface ConsolePage {
  html: string;
  csp: string;
}

function pageFile(): string {
  // Beside this module under tsx; from the image root (which also holds migrations/) in a bundle.
  const beside = fileURLToPath(new URL('./console.html', import.meta.url));
  return existsSync(beside) ? beside : join(projectRoot(), CONSOLE_PAGE_PATH);
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
export function loadConsolePage(): ConsolePage | null {
  const file = pageFile();
  if (!existsSync(file)) return null;
  const html = readFileSync(file, 'utf8');
  return { html, csp: contentSecurityPolicy(html) };
}

/** Where the page is expected, for the error message. */
export const CONSOLE_PAGE_PATH = 'runtime/console/console.html';
