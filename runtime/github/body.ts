import { jsonNestsDeeperThan } from '../core/storable.js';
import { asObject, type JsonObject } from '../core/object.js';
import { isStorableJsonText, parseStorableJson } from './payload.js';

/**
 * The two bodies GitHub sends (the hook's "content type" setting): the JSON itself, or a form with the
 * JSON in its `payload` field. Pure; called only after the signature over these bytes was verified.
 */

export type WebhookMediaType = 'json' | 'form';

/** `application/json; charset=utf-8` -> json; anything but the two GitHub offers -> null (415). */
export function webhookMediaType(contentType: string | undefined): WebhookMediaType | null {
  const essence = contentType?.split(';', 1)[0]!.trim().toLowerCase();
  if (essence === 'application/json') return 'json';
  if (essence === 'application/x-www-form-urlencoded') return 'form';
  return null;
}

/**
 * How deep a delivery's JSON may nest. GitHub's own payloads nest about 10 levels; only user-built JSON
 * (a repository_dispatch client_payload) goes deeper. The bound keeps every later step (parsing, the
 * unstorable-character pass, serializing, jsonb, the query API's answer) far from a stack limit.
 */
export const MAX_PAYLOAD_DEPTH = 512;

export type DecodedBody =
  /** `json`: the payload's JSON text when it can be stored as it came (no unstorable escape), else null. */
  | { outcome: 'decoded'; payload: JsonObject; json: string | null }
  | { outcome: 'refused'; status: 400 | 422; code: 'invalid_json' | 'invalid_payload' | 'payload_too_deep'; message: string };

const utf8 = new TextDecoder('utf-8');

export function decodeWebhookBody(body: Uint8Array, mediaType: WebhookMediaType): DecodedBody {
  let json = utf8.decode(body);
  if (mediaType === 'form') {
    const field = new URLSearchParams(json).get('payload');
    if (field === null) return { outcome: 'refused', status: 400, code: 'invalid_payload', message: 'a form-encoded delivery must carry the JSON in its "payload" field' };
    json = field;
  }
  if (jsonNestsDeeperThan(json, MAX_PAYLOAD_DEPTH)) {
    return { outcome: 'refused', status: 422, code: 'payload_too_deep', message: `the delivery payload nests deeper than ${MAX_PAYLOAD_DEPTH} levels, more than OASIS stores; nothing was stored` };
  }
  let parsed: unknown;
  try {
    parsed = parseStorableJson(json);
  } catch {
    return { outcome: 'refused', status: 400, code: 'invalid_json', message: 'the delivery payload is not valid JSON' };
  }
  const payload = asObject(parsed);
  if (!payload) return { outcome: 'refused', status: 400, code: 'invalid_payload', message: 'the delivery payload must be a JSON object' };
  return { outcome: 'decoded', payload, json: isStorableJsonText(json) ? json : null };
}
