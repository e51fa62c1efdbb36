import { Prng } from './prng.js';

/**
 * The hostile values the corpus draws from: wrong types, characters PostgreSQL or JSON tooling trip
 * over, huge and boundary strings, crafted VTIDs, and whole bodies that are not what they claim.
 */

const NUL = '\u0000';

/**
 * `length` characters of `alphabet` in no pattern: a long repeated character compresses to almost
 * nothing in a PostgreSQL index, so only text like this shows what a long value costs an index.
 */
export function incompressible(length: number, alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'): string {
  const rng = new Prng(length);
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[rng.int(0, alphabet.length - 1)];
  return out;
}

/** Strings with characters that break naive code or the database. */
export const NASTY_STRINGS: readonly string[] = [
  '',
  ' ',
  '\t\n\r',
  NUL,
  `a${NUL}b`,
  '\u0001\u0002\u001f\u007f',
  '\ud800',
  '\udfff',
  `x\ud83dy`,
  '\udc00\ud800',
  '😀',
  '\ufeffBOM',
  '\u202eRTL override',
  '\u200b\u200c\u200d',
  'e\u0301\u0301\u0301',
  '\\u0000',
  '%00',
  "' or 1=1 --",
  '"; drop table oasis_events; --',
  '<script>alert(1)</script>',
  '${jndi:ldap://x/a}',
  '../../../etc/passwd',
  '__proto__',
  'constructor',
  'null',
  'undefined',
  'NaN',
  '١٢٣٤',
  'ＶＴＩＤ',
  'a'.repeat(10_000),
  incompressible(10_000),
  '😀'.repeat(5_000),
];

/** VTID-shaped tokens that are not (or are barely) VTIDs. */
export const CRAFTED_VTIDS: readonly string[] = [
  'VTID-2026-0001',
  'vtid-2026-0001',
  ' VTID-2026-0001 ',
  'VTID-2026-0001\n',
  `VTID-2026-0001${NUL}`,
  'VTID-2026-',
  'VTID-2026-001',
  'VTID-2026-000000001',
  'VTID-2026-0000000001',
  `VTID-2026-${'9'.repeat(3_000)}`,
  'VTID-0000-0000',
  'VTID-9999-999999999',
  'VTID-26-0001',
  'VTID-2026-0001-2',
  'VTID--2026-0001',
  'VTID-٢٠٢٦-0001',
  'ＶＴＩＤ-2026-0001',
  'DEV-CICDL-0031',
  'dev-cicdl-0031',
  'A-BC-0001',
  `${'A'.repeat(25)}-BC-0001`,
  `${'A'.repeat(24)}-${'B'.repeat(24)}-999999999`,
  `${'A'.repeat(24)}-${'B'.repeat(24)}-9999999999`,
  'UNSET',
  'unset',
  'IDLE',
  'idle',
  '',
  'VTID-2026-0001%00',
  'VTID-2026-0001/../x',
];

/** Values of every JSON type, for fields that expect another one. */
export const WRONG_TYPES: readonly unknown[] = [0, -1, 1.5, 1e308, -0, true, false, null, [], {}, [1, 'a'], { a: 1 }, [[[]]], '0'];

/** Strings a GitHub payload field could carry that steer normalization: labels, VTIDs in branches and titles. */
export const STEERING_STRINGS: readonly string[] = [
  'layer:DEV',
  `layer:${incompressible(3_000)}`,
  `module:${incompressible(3_001)}`,
  `module:X${incompressible(3_000, '_-0123456789')}`,
  'feature/VTID-2026-0042-thing',
  `fix VTID-2026-${incompressible(3_000, '0123456789')}`,
  `${'Q'.repeat(24)}-${'R'.repeat(24)}-123456789 done`,
  'refs/heads/' + incompressible(5_000),
];

/** Random hostile value of any kind. */
export function hostileValue(rng: Prng): unknown {
  const roll = rng.next();
  if (roll < 0.35) return rng.pick(NASTY_STRINGS);
  if (roll < 0.55) return rng.pick(WRONG_TYPES);
  if (roll < 0.7) return rng.pick(CRAFTED_VTIDS);
  if (roll < 0.8) return rng.pick(STEERING_STRINGS);
  if (roll < 0.9) return nested(rng.pick([40, 600, 5_000]));
  return 'x'.repeat(rng.pick([99, 100, 101, 255, 256, 499, 500, 501, 2_047, 2_048, 2_049, 4_999, 5_000, 5_001, 70_000]));
}

// JSON.stringify recurses (a few thousand levels overflow it): deeper values stand in as a marker
// string that toJson replaces by the nested text.
const DEEP_MARKER = /"\u2063deep:(\d+)\u2063"/g;
const STRINGIFY_DEPTH = 600;

/** `depth` levels of objects and arrays, alternating, as a value (deep ones as a marker for toJson). */
export function nested(depth: number): unknown {
  if (depth > STRINGIFY_DEPTH) return `\u2063deep:${depth}\u2063`;
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { d: value };
  return value;
}

function nestedText(depth: number): string {
  let open = '';
  let close = '';
  for (let i = depth - 1; i >= 0; i--) {
    open += i % 2 ? '[' : '{"d":';
    close = (i % 2 ? ']' : '}') + close;
  }
  return `${open}"bottom"${close}`;
}

/** JSON.stringify, with the deep values of `nested` written out. */
export function toJson(value: unknown): string {
  return JSON.stringify(value).replace(DEEP_MARKER, (_, depth: string) => nestedText(Number(depth)));
}

/** Whole bodies that are not a JSON object, or not JSON, or not UTF-8; each with what it is. */
export function brokenBodies(): Array<{ label: string; body: string | Uint8Array }> {
  const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
  return [
    { label: 'empty body', body: '' },
    { label: 'whitespace', body: ' \n ' },
    { label: 'truncated JSON', body: '{"source": "s", "kind' },
    { label: 'trailing comma', body: '{"source":"s","kind":"k",}' },
    { label: 'single quotes', body: "{'source':'s'}" },
    { label: 'NaN', body: 'NaN' },
    { label: 'number', body: '42' },
    { label: 'huge number', body: '1e400' },
    { label: 'string', body: '"hello"' },
    { label: 'null', body: 'null' },
    { label: 'array', body: '[{"source":"s","kind":"k"}]' },
    { label: 'trailing garbage', body: '{"source":"s","kind":"k"} garbage' },
    { label: 'two objects', body: '{"a":1}{"b":2}' },
    { label: 'deep arrays 5000', body: deep(5_000) },
    { label: 'deep arrays 100000', body: deep(100_000) },
    { label: 'deep object 5000', body: `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}` },
    { label: 'lone surrogate escape key', body: '{"\\ud800":1}' },
    { label: 'NUL escape key', body: '{"\\u0000":1}' },
    { label: 'invalid UTF-8', body: new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc0, 0xaf, 0x22, 0x7d]) },
    { label: 'CESU-8 surrogate bytes', body: new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]) },
    { label: 'UTF-16 body', body: new Uint8Array([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00]) },
    { label: 'raw NUL byte', body: new Uint8Array([0x7b, 0x00, 0x7d]) },
    { label: 'prototype keys', body: '{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}' },
  ];
}

export const CONTENT_TYPES: readonly (string | null)[] = [
  null,
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=utf-16',
  'APPLICATION/JSON',
  'application/vnd.api+json',
  'application/json, text/plain',
  'application/jsonx',
  '*/*',
];
