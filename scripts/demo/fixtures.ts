import { readFileSync } from 'node:fs';

/**
 * The demo's deliveries and log entries start from the recorded payloads the tests use
 * (test/fixtures/github, test/fixtures/audit-logs): real shapes, every field GitHub and Cloud Logging
 * send. The fixture's own facts (its PR number, branch, commits, labels, times) are swapped for the
 * story's in the JSON text, so every URL and copy of a value changes together.
 */

const FIXTURES = new URL('../../test/fixtures/', import.meta.url);

export type Replacement = readonly [from: string | RegExp, to: string];

/** A fixture (path under test/fixtures, without .json) with the replacements applied to its JSON text. */
export function fixtureWith(name: string, replacements: readonly Replacement[]): Record<string, unknown> {
  let text = readFileSync(new URL(`${name}.json`, FIXTURES), 'utf8');
  for (const [from, to] of replacements) {
    // Values go into JSON strings as they are: nothing that would need escaping.
    if (/["\\\n]/.test(to)) throw new Error(`demo fixture ${name}: replacement "${to}" needs JSON escaping; set it on the object instead`);
    text = typeof from === 'string' ? text.replaceAll(from, to) : text.replace(from, to);
  }
  return JSON.parse(text) as Record<string, unknown>;
}

/** The object at `path` inside a fixture (which the fixture is known to have). */
export function objectIn(value: Record<string, unknown>, ...path: string[]): Record<string, unknown> {
  let current: unknown = value;
  for (const key of path) {
    current = (current as Record<string, unknown> | undefined)?.[key];
    if (current === null || typeof current !== 'object') throw new Error(`demo fixture: no object at ${path.join('.')}`);
  }
  return current as Record<string, unknown>;
}
