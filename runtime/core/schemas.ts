import { z } from '@hono/zod-openapi';
import { findUnstorableJson, isStorableText, isStorableTimestamp, UNSTORABLE_TEXT_MESSAGE } from './storable.js';
import { parseLedgerVtid, parseVtid } from '@vitana/vtid';

/**
 * The request-schema building blocks every feature shares, each defined once: what PostgreSQL cannot
 * store (NUL, unpaired surrogates, very deep JSON, year 0000) is the client's error, a 400 naming the
 * field, never a 500 from the INSERT. Feature schemas compose these; the OpenAPI document is
 * generated from them, so the published bounds are the enforced ones.
 */

export interface TextOptions {
  /**
   * Trim surrounding whitespace before the bounds are checked. Fields people type (a task's family,
   * its summary) are trimmed; machine data (an event's title, an agent's tenant) is stored as sent.
   */
  trim?: boolean;
}

/** 1..max characters that a text column can store. */
export function storableText(max: number, options: TextOptions = {}) {
  const base = options.trim ? z.string().trim() : z.string();
  return base.min(1).max(max).refine(isStorableText, UNSTORABLE_TEXT_MESSAGE);
}

/** A JSON object of any shape (what a response's metadata or payload is). */
export const JsonObjectSchema = z.record(z.string(), z.unknown()).openapi({ type: 'object', additionalProperties: true });

/** Free-form JSON the caller sends (metadata): any object, as long as jsonb can store it. */
export const StorableJsonObjectSchema = JsonObjectSchema.superRefine((value, ctx) => {
    const problem = findUnstorableJson(value);
    if (problem) ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
  });

/** An ISO 8601 timestamp with Z or an offset, within what timestamptz stores. */
export const StorableTimestampSchema = z.iso
  .datetime({ offset: true })
  .refine(isStorableTimestamp, 'must be a timestamp PostgreSQL can store (year 0001 or later, UTC offset below 16 hours)');

const EXAMPLES = 'such as VTID-2026-0001 or DEV-CICDL-0031';

/** A VTID of either format, accepted in any case, used upper-case (as stored). */
export const AnyVtidSchema = z
  .string()
  .trim()
  .refine((value) => parseVtid(value) !== null, { message: `must be a VTID ${EXAMPLES}` })
  .transform((value) => value.toUpperCase())
  .openapi({ type: 'string', example: 'DEV-CICDL-0031' });

/** What a field that takes a VTID or the `noTask` word says when it gets anything else. */
export const vtidOrMessage = (noTask: string) => `must be a VTID ${EXAMPLES}, or ${noTask}`;

/** A VTID in either format, or the `noTask` word (UNSET for events, IDLE for agents); stored upper-case. */
export function vtidOr(noTask: string) {
  return z
    .string()
    .trim()
    .refine((value) => value.toUpperCase() === noTask || parseVtid(value) !== null, { message: vtidOrMessage(noTask) })
    .transform((value) => value.toUpperCase())
    .openapi({ type: 'string', example: 'VTID-2026-0001' });
}

/** Exactly a ledger id; accepted in any case, used upper-case (as stored). */
export const LedgerVtidSchema = z
  .string()
  .trim()
  .refine((value) => parseLedgerVtid(value) !== null, { message: 'must be a ledger VTID such as VTID-2026-0001' })
  .transform((value) => value.toUpperCase())
  .openapi({ type: 'string', example: 'VTID-2026-0001' });
