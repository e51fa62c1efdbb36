/**
 * The one guard for "a JSON object" (not null, not an array): outside data (GitHub payloads, audit-log
 * entries, token claims, another service's answer) is read through it, so a missing or renamed field
 * becomes `undefined`, never an exception.
 */
export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `value` when it is a JSON object, else undefined. */
export function asObject(value: unknown): JsonObject | undefined {
  return isJsonObject(value) ? value : undefined;
}
