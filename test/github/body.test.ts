import { describe, expect, it } from 'vitest';
import { jsonNestsDeeperThan } from '../../runtime/core/storable.js';
import { decodeWebhookBody, MAX_PAYLOAD_DEPTH, webhookMediaType } from '../../runtime/github/body.js';
import { firstLine, shortRef } from '../../runtime/github/payload.js';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('webhookMediaType', () => {
  it.each([
    ['application/json', 'json'],
    ['application/json; charset=utf-8', 'json'],
    ['Application/JSON', 'json'],
    ['application/x-www-form-urlencoded', 'form'],
    ['application/x-www-form-urlencoded; charset=UTF-8', 'form'],
  ])('%s -> %s', (header, expected) => {
    expect(webhookMediaType(header)).toBe(expected);
  });

  it.each([undefined, '', 'text/plain', 'multipart/form-data; boundary=x', 'application/jsonx', 'application/vnd.github+json'])('%s -> null (415)', (header) => {
    expect(webhookMediaType(header)).toBeNull();
  });
});

describe('decodeWebhookBody', () => {
  it('JSON: the object itself', () => {
    const text = '{"zen":"Keep it simple.","hook_id":1}';
    // The text itself is kept too: it is stored as it came (no second serialization).
    expect(decodeWebhookBody(bytes(text), 'json')).toEqual({ outcome: 'decoded', payload: { zen: 'Keep it simple.', hook_id: 1 }, json: text });
  });

  it('form: the JSON in the payload field, percent- and plus-decoded', () => {
    const body = new URLSearchParams({ payload: JSON.stringify({ title: 'a + b & c = d', n: 1 }) }).toString();
    expect(body).toContain('+');
    expect(decodeWebhookBody(bytes(body), 'form')).toEqual({ outcome: 'decoded', payload: { title: 'a + b & c = d', n: 1 }, json: JSON.stringify({ title: 'a + b & c = d', n: 1 }) });
  });

  it('UTF-8 (with or without a byte-order mark) decodes to the same text', () => {
    const payload = { title: 'Déploiement · VTID-2026-0042 🚀' };
    const json = JSON.stringify(payload);
    expect(decodeWebhookBody(bytes(json), 'json')).toEqual({ outcome: 'decoded', payload, json });
    expect(decodeWebhookBody(bytes(`\ufeff${json}`), 'json')).toEqual({ outcome: 'decoded', payload, json });
  });

  it.each([
    ['not JSON', 'Hello, World!', 'json', 'invalid_json'],
    ['truncated JSON', '{"zen": "Keep', 'json', 'invalid_json'],
    ['empty body', '', 'json', 'invalid_json'],
    ['an array', '[1,2]', 'json', 'invalid_payload'],
    ['a string', '"ping"', 'json', 'invalid_payload'],
    ['null', 'null', 'json', 'invalid_payload'],
    ['form without payload', 'zen=hi', 'form', 'invalid_payload'],
    ['form with JSON that is not an object', 'payload=42', 'form', 'invalid_payload'],
    ['form with broken JSON', 'payload=%7B%22a', 'form', 'invalid_json'],
    ['a JSON body sent as form', '{"zen":"hi"}', 'form', 'invalid_payload'],
  ] as const)('%s -> %s', (_name, body, mediaType, code) => {
    const decoded = decodeWebhookBody(bytes(body), mediaType);
    expect(decoded).toMatchObject({ outcome: 'refused', code });
  });

  it(`a payload nested deeper than ${MAX_PAYLOAD_DEPTH} levels -> 422 payload_too_deep, before it is parsed (JSON or form)`, () => {
    const nested = (depth: number) => `{"a":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;
    expect(decodeWebhookBody(bytes(nested(MAX_PAYLOAD_DEPTH)), 'json')).toMatchObject({ outcome: 'decoded' });
    expect(decodeWebhookBody(bytes(nested(MAX_PAYLOAD_DEPTH + 1)), 'json')).toMatchObject({ outcome: 'refused', status: 422, code: 'payload_too_deep' });
    const form = new URLSearchParams({ payload: nested(100_000) }).toString();
    expect(decodeWebhookBody(bytes(form), 'form')).toMatchObject({ outcome: 'refused', status: 422, code: 'payload_too_deep' });
  });

  it('the nesting scan counts brackets outside strings only (escaped quotes included)', () => {
    expect(jsonNestsDeeperThan('{"a":[[1]]}', 3)).toBe(false);
    expect(jsonNestsDeeperThan('{"a":[[[1]]]}', 3)).toBe(true);
    expect(jsonNestsDeeperThan('{"s":"[[[[{{{{","t":"\\"[[[[\\"","u":"\\\\"}', 1)).toBe(false);
    expect(jsonNestsDeeperThan('{"s":"\\\\",  "a":[[1]]}', 2)).toBe(true);
    expect(jsonNestsDeeperThan('[1],[2],[3]', 1)).toBe(false);
  });

  it('replaces characters PostgreSQL cannot store (NUL, unpaired surrogates) in values and keys', () => {
    const decoded = decodeWebhookBody(bytes('{"message":"a\\u0000b","emoji":"\\ud83d\\ude80","lone":"x\\ud83dy","k\\u0000":["\\udc00"]}'), 'json');
    // Such text cannot be stored as it came: json is null, the cleaned payload is serialized instead.
    expect(decoded).toEqual({ outcome: 'decoded', payload: { message: 'a\ufffdb', emoji: '🚀', lone: 'x\ufffdy', 'k\ufffd': ['\ufffd'] }, json: null });
  });
});

describe('payload helpers', () => {
  it('shortRef strips refs/heads/ only', () => {
    expect(shortRef('refs/heads/vt/dev-cicdl-0031')).toBe('vt/dev-cicdl-0031');
    expect(shortRef('refs/tags/v1.4.0')).toBe('refs/tags/v1.4.0');
    expect(shortRef('main')).toBe('main');
    expect(shortRef(null)).toBeNull();
  });

  it('firstLine takes the subject of a commit message', () => {
    expect(firstLine('Subject line\n\nBody')).toBe('Subject line');
    expect(firstLine('  Windows line  \r\nmore')).toBe('Windows line');
    expect(firstLine('\nbody only')).toBeNull();
    expect(firstLine(null)).toBeNull();
  });
});
