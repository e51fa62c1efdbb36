/**
 * Pure: what PostgreSQL refuses to store. Input it would refuse is the client's error, so the schemas
 * reject it with a 400 naming the field instead of letting the INSERT fail with a 500.
 *   - text and jsonb cannot hold U+0000; jsonb also refuses unpaired UTF-16 surrogates;
 *   - timestamptz has no year 0000 and no UTC offset of 16 hours or more (ISO 8601 allows both);
 *   - very deep JSON overflows the serializer's and the database's stacks.
 */

const UNSTORABLE_TEXT = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const EVERY_UNSTORABLE_CHAR = new RegExp(UNSTORABLE_TEXT.source, 'g');

export const UNSTORABLE_TEXT_MESSAGE = 'must not contain NUL (\\u0000) or unpaired surrogate characters';

export function isStorableText(value: string): boolean {
  return !UNSTORABLE_TEXT.test(value);
}

/** For outside data we must store anyway (GitHub deliveries): each unstorable character becomes U+FFFD. */
export function replaceUnstorableText(value: string): string {
  return value.replace(EVERY_UNSTORABLE_CHAR, '\ufffd');
}

/** An ISO 8601 timestamp (already format-checked) that PostgreSQL's timestamptz accepts. */
export function isStorableTimestamp(value: string): boolean {
  if (value.startsWith('0000')) return false;
  const offset = /([+-])(\d\d):\d\d$/.exec(value);
  return offset === null || Number(offset[2]) < 16;
}

export const MAX_JSON_DEPTH = 32;

/**
 * True when JSON text nests arrays and objects deeper than `limit`. A scan of the text, no parse, so
 * it is safe on any input and cheap (one pass, no allocation): what is too deep to store is refused
 * before JSON.parse, the serializer (JSON.stringify recurses: ~5,000 levels overflow its stack) or
 * PostgreSQL's jsonb parser (its stack overflows at ~20,000 levels) meet it. Brackets inside strings
 * do not count. On text that is not JSON the answer means nothing; parsing it fails anyway.
 */
export function jsonNestsDeeperThan(json: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // a backslash: the next character is escaped, whatever it is
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

export interface JsonProblem {
  path: Array<string | number>;
  message: string;
}

/** The first place in a parsed JSON value (keys and strings) that cannot be stored, or null. */
export function findUnstorableJson(value: unknown, path: Array<string | number> = []): JsonProblem | null {
  if (typeof value === 'string') return isStorableText(value) ? null : { path, message: UNSTORABLE_TEXT_MESSAGE };
  if (value === null || typeof value !== 'object') return null;
  if (path.length >= MAX_JSON_DEPTH) return { path, message: `must not nest deeper than ${MAX_JSON_DEPTH} levels` };
  const entries: Array<[string | number, unknown]> = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  for (const [key, child] of entries) {
    if (typeof key === 'string' && !isStorableText(key)) return { path: [...path, key], message: `key ${UNSTORABLE_TEXT_MESSAGE}` };
    const problem = findUnstorableJson(child, [...path, key]);
    if (problem) return problem;
  }
  return null;
}
