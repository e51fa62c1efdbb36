import { z } from '@hono/zod-openapi';
import { UNSET_VTID } from '@vitana/vtid';
import { EVENT_ACTOR_MAX_LENGTH, EVENT_TITLE_MAX_LENGTH, LAYER_MAX_LENGTH } from './bounds.js';
import { JsonObjectSchema, StorableJsonObjectSchema, StorableTimestampSchema as TimestampSchema, storableText, vtidOr, vtidOrMessage } from '../core/schemas.js';
import { isStorableText, UNSTORABLE_TEXT_MESSAGE } from '../core/storable.js';
import { AccessTokenQuerySchema } from '../http/auth.js';

/** The zod schemas of the OASIS event API: they validate requests and generate the OpenAPI document. */

export const EVENT_STATUSES = ['queued', 'in_progress', 'success', 'failure', 'cancelled', 'info'] as const;
export const EventStatusSchema = z.enum(EVENT_STATUSES).openapi('EventStatus');
export type EventStatus = z.infer<typeof EventStatusSchema>;

export const VtidSchema = vtidOr(UNSET_VTID);

const text = (max: number) => storableText(max);

/**
 * POST /events/ingest. The canonical shape (`source`, `kind`, …) and the legacy shape of the
 * platform's docs (`service`, `event`, `metadata.vtid`) share one object: the domain function
 * `toNewEvent` maps the legacy names, so the error messages still name the fields the client sent.
 */
export const IngestBodySchema = z
  .object({
    source: text(100).optional(),
    kind: text(100).optional(),
    service: text(100).optional().openapi({ description: 'Legacy name of `source`.' }),
    event: text(100).optional().openapi({ description: 'Legacy name of `kind`.' }),
    status: EventStatusSchema.optional(),
    vtid: VtidSchema.optional(),
    layer: text(LAYER_MAX_LENGTH).optional(),
    module: text(LAYER_MAX_LENGTH).optional(),
    title: text(EVENT_TITLE_MAX_LENGTH).optional(),
    repo: text(200).optional(),
    ref: text(255).optional(),
    sha: z.string().regex(/^[0-9a-fA-F]{7,64}$/, 'must be a hex commit sha').optional(),
    actor: text(EVENT_ACTOR_MAX_LENGTH).optional(),
    url: z.url().max(2048).refine(isStorableText, UNSTORABLE_TEXT_MESSAGE).optional(),
    externalId: text(200).optional(),
    ts: TimestampSchema.optional(),
    tenant: text(100).optional(),
    metadata: StorableJsonObjectSchema.optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.source === undefined && body.service === undefined) ctx.addIssue({ code: 'custom', path: ['source'], message: 'source is required' });
    if (body.kind === undefined && body.event === undefined) ctx.addIssue({ code: 'custom', path: ['kind'], message: 'kind is required' });
    // The legacy shape's metadata.vtid becomes the event's vtid (an indexed, filtered column), so a
    // non-empty string there must be a VTID too (toNewEvent ignores anything else, as it always did).
    const legacyVtid = body.metadata?.vtid;
    if (body.vtid === undefined && typeof legacyVtid === 'string' && legacyVtid !== '' && !VtidSchema.safeParse(legacyVtid).success) {
      ctx.addIssue({ code: 'custom', path: ['metadata', 'vtid'], message: vtidOrMessage(UNSET_VTID) });
    }
  })
  .openapi('IngestEvent');
export type IngestBody = z.infer<typeof IngestBodySchema>;

export const IngestResponseSchema = z
  .object({ ok: z.literal(true), id: z.number().int(), duplicate: z.boolean().optional() })
  .openapi('IngestResult');

/** An event as the query API and the feed return it. */
export const OasisEventSchema = z
  .object({
    id: z.number().int(),
    ts: z.string().openapi({ format: 'date-time' }),
    vtid: z.string(),
    source: z.string(),
    kind: z.string(),
    status: EventStatusSchema,
    layer: z.string().nullable(),
    module: z.string().nullable(),
    title: z.string().nullable(),
    repo: z.string().nullable(),
    ref: z.string().nullable(),
    sha: z.string().nullable(),
    actor: z.string().nullable(),
    url: z.string().nullable(),
    externalId: z.string().nullable(),
    tenant: z.string(),
    metadata: JsonObjectSchema,
    payload: z.unknown().optional().openapi({ description: 'The raw body as received; only with include=payload.' }),
  })
  .openapi('OasisEvent');
export type OasisEvent = z.infer<typeof OasisEventSchema>;

const positiveInt = z.coerce.number().int().min(1);

/** Filters shared by the query API and the live feed. */
export const EventFilterSchema = z.object({
  vtid: VtidSchema.optional(),
  source: text(100).optional(),
  kind: text(100).optional(),
  status: EventStatusSchema.optional(),
});

export const EventQuerySchema = EventFilterSchema.extend({
  layer: text(LAYER_MAX_LENGTH).optional(),
  module: text(LAYER_MAX_LENGTH).optional(),
  since: TimestampSchema.optional(),
  until: TimestampSchema.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
  before: positiveInt.optional().openapi({ description: 'Keyset cursor: the nextCursor of the previous page.' }),
  include: z.enum(['payload']).optional(),
  access_token: AccessTokenQuerySchema,
});
export type EventQuery = z.infer<typeof EventQuerySchema>;

export const EventListSchema = z
  .object({ ok: z.literal(true), data: z.array(OasisEventSchema), nextCursor: z.number().int().nullable() })
  .openapi('EventList');
export type EventList = z.infer<typeof EventListSchema>;
