import { z } from '@hono/zod-openapi';
import { JsonObjectSchema, LedgerVtidSchema, StorableJsonObjectSchema, storableText } from '../core/schemas.js';
import { LEDGER_STATUSES } from './transitions.js';
import { AccessTokenQuerySchema } from '../http/auth.js';

/** The zod schemas of the VTID ledger API: they validate requests and generate the OpenAPI document. */

export const LedgerStatusSchema = z.enum(LEDGER_STATUSES).openapi('VtidStatus');

// Fields people type: trimmed before the bounds are checked.
const text = (max: number) => storableText(max, { trim: true });

export const CreateVtidBodySchema = z
  .object({
    taskFamily: text(100).openapi({ example: 'deploy' }),
    taskType: text(100).openapi({ example: 'cloud-run' }),
    description: text(5000).openapi({ example: 'Deploy the gateway to dev' }),
    tenant: text(100).optional().openapi({ description: "Defaults to the caller's tenant (service callers: `system`)." }),
    parentVtid: LedgerVtidSchema.optional().openapi({ description: 'An existing ledger task this one is a subtask of.' }),
    assignedTo: text(200).optional(),
    metadata: StorableJsonObjectSchema.optional(),
  })
  .strict()
  .openapi('CreateVtid');
export type CreateVtidBody = z.infer<typeof CreateVtidBodySchema>;

export const PatchVtidBodySchema = z
  .object({
    status: LedgerStatusSchema.optional(),
    assignedTo: text(200).nullable().optional().openapi({ description: 'null unassigns.' }),
    description: text(5000).optional(),
    metadata: StorableJsonObjectSchema.optional().openapi({ description: 'Merged into the stored metadata (top-level keys), not replacing it.' }),
  })
  .strict()
  .refine((body) => Object.keys(body).length > 0, { message: 'give at least one of status, assignedTo, description, metadata' })
  .openapi('PatchVtid');
export type PatchVtidBody = z.infer<typeof PatchVtidBodySchema>;

export const LedgerEntrySchema = z
  .object({
    id: z.number().int().openapi({ description: 'Insertion order; the list cursor.' }),
    vtid: z.string().openapi({ example: 'VTID-2026-0001' }),
    taskFamily: z.string(),
    taskType: z.string(),
    description: z.string(),
    status: LedgerStatusSchema,
    assignedTo: z.string().nullable(),
    tenant: z.string(),
    parentVtid: z.string().nullable(),
    metadata: JsonObjectSchema,
    createdAt: z.string().openapi({ format: 'date-time' }),
    updatedAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('VtidLedgerEntry');
export type LedgerEntry = z.infer<typeof LedgerEntrySchema>;

export const VtidParamsSchema = z.object({
  vtid: LedgerVtidSchema.openapi({ param: { name: 'vtid', in: 'path' }, example: 'VTID-2026-0001' }),
});


export const GetVtidQuerySchema = z.object({
  include: z.enum(['children']).optional().openapi({ description: '`children` adds the direct subtasks (oldest first).' }),
  access_token: AccessTokenQuerySchema,
});

/** A ledger entry with its direct subtasks (only with include=children). */
export const LedgerEntryWithChildrenSchema = LedgerEntrySchema.extend({
  children: z.array(LedgerEntrySchema).optional(),
  moreChildren: z.boolean().optional().openapi({ description: 'True when there are more children than returned; page them with /vtid/list?parentVtid=.' }),
}).openapi('VtidLedgerEntryWithChildren');

export const VtidResultSchema = z.object({ ok: z.literal(true), vtid: z.string(), data: LedgerEntrySchema }).openapi('VtidResult');
export const VtidDetailSchema = z
  .object({ ok: z.literal(true), vtid: z.string(), data: LedgerEntryWithChildrenSchema })
  .openapi('VtidDetail');

export const ListVtidQuerySchema = z.object({
  taskFamily: text(100).optional(),
  status: LedgerStatusSchema.optional(),
  tenant: text(100).optional(),
  parentVtid: LedgerVtidSchema.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  before: z.coerce.number().int().min(1).optional().openapi({ description: 'Keyset cursor: the nextCursor of the previous page.' }),
  access_token: AccessTokenQuerySchema,
});
export type ListVtidQuery = z.infer<typeof ListVtidQuerySchema>;

export const VtidListSchema = z
  .object({ ok: z.literal(true), data: z.array(LedgerEntrySchema), nextCursor: z.number().int().nullable() })
  .openapi('VtidList');

export const VtidHealthSchema = z
  .object({
    ok: z.literal(true),
    service: z.literal('vtid-ledger'),
    year: z.number().int().openapi({ description: 'The current UTC year.' }),
    issuedThisYear: z.number().int().openapi({ description: 'How many VTIDs this year has handed out (its last sequence number).' }),
  })
  .openapi('VtidHealth');
