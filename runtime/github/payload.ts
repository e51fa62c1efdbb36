import { replaceUnstorableText } from '../core/storable.js';

/**
 * Reading GitHub payloads defensively. A payload is outside data: a field GitHub renames, drops or
 * nulls must turn into a missing value, never an exception, so the delivery is still stored.
 */

import { asObject, type JsonObject } from '../core/object.js';

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A non-empty string, else null (GitHub sends "" for unset URLs and descriptions). */
export function asString(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

export function asNumber(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export function asBoolean(value: unknown): boolean | null {
  return typeof value === 'boolean' ? value : null;
}

/** `obj.a.b.c` without throwing on a missing link. */
export function at(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    const object = asObject(current);
    if (!object) return undefined;
    current = object[key];
  }
  return current;
}

export const stringAt = (value: unknown, ...path: string[]): string | null => asString(at(value, ...path));
export const numberAt = (value: unknown, ...path: string[]): number | null => asNumber(at(value, ...path));
export const objectAt = (value: unknown, ...path: string[]): JsonObject | undefined => asObject(at(value, ...path));

/** The first line of a commit message, trimmed; null when empty. */
export function firstLine(message: string | null): string | null {
  if (message === null) return null;
  const line = message.split(/\r?\n/, 1)[0]!.trim();
  return line.length > 0 ? line : null;
}

/**
 * `refs/heads/main` -> `main`; other refs (`refs/tags/v1.2.0`) stay whole so a tag is never mistaken
 * for a branch. Branch names from runs and pull requests are already short and pass through.
 */
export function shortRef(ref: string | null): string | null {
  if (ref === null) return null;
  return ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) || null : ref;
}

// PostgreSQL cannot store U+0000 in text or jsonb, nor an unpaired UTF-16 surrogate in jsonb (see
// core/storable.ts). Both can only arrive as JSON escapes (`\u0000`, `\ud83d`): TextDecoder already
// replaced invalid raw bytes, so text without such an escape needs no scan.
const UNSTORABLE_ESCAPE = /\\u(0000|d[89a-f][0-9a-f]{2})/i;

function replaceUnstorable(value: unknown): unknown {
  if (typeof value === 'string') return replaceUnstorableText(value);
  if (Array.isArray(value)) return value.map(replaceUnstorable);
  const object = asObject(value);
  if (!object) return value;
  const out: JsonObject = {};
  for (const [key, inner] of Object.entries(object)) out[replaceUnstorableText(key)] = replaceUnstorable(inner);
  return out;
}

/**
 * Parses JSON text and replaces characters PostgreSQL cannot store with U+FFFD, so a commit message
 * with a NUL byte cannot make a delivery unstorable. The common case (no such escape) is untouched.
 */
export function parseStorableJson(text: string): unknown {
  const parsed: unknown = JSON.parse(text);
  return isStorableJsonText(text) ? parsed : replaceUnstorable(parsed);
}

/** Valid JSON text that PostgreSQL's jsonb takes as it is (no escape of a character it cannot store). */
export function isStorableJsonText(text: string): boolean {
  return !UNSTORABLE_ESCAPE.test(text);
}
