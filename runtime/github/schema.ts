import { z } from '@hono/zod-openapi';
import { EventStatusSchema } from '../events/schema.js';

/** The zod schemas of the webhook routes: they validate the headers and generate the OpenAPI document. */

const required = (header: string, max: number) =>
  z
    .string({ error: `the ${header} header is required` })
    .trim()
    .min(1, `the ${header} header is required`)
    .max(max, `the ${header} header is longer than ${max} characters`);

/** Checked after the signature (a route middleware), so only signed requests get this far. */
export const WebhookHeadersSchema = z.object({
  'x-github-event': required('X-GitHub-Event', 100).openapi({ description: 'The event name, e.g. workflow_run.', example: 'workflow_run' }),
  'x-github-delivery': required('X-GitHub-Delivery', 200).openapi({
    description: 'The delivery GUID; a redelivery repeats it, so it is the idempotency key (stored as externalId).',
    example: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
  }),
  'x-hub-signature-256': z.string().openapi({
    description: '`sha256=` + hex HMAC-SHA256 of the raw body with the webhook secret.',
    example: 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
  }),
  'x-github-hook-id': z.string().max(100).optional().openapi({ description: 'The hook that sent the delivery.' }),
  'x-github-hook-installation-target-type': z.string().max(100).optional(),
  'x-github-hook-installation-target-id': z.string().max(100).optional(),
});

export const WebhookAckSchema = z
  .object({
    ok: z.literal(true),
    id: z.number().int().openapi({ description: 'The OASIS event id of the delivery.' }),
    duplicate: z.boolean().openapi({ description: 'True when this delivery id was already stored (a redelivery); no row was added.' }),
    vtid: z.string().openapi({ example: 'DEV-CICDL-0031' }),
    kind: z.string().openapi({ example: 'workflow_run' }),
    status: EventStatusSchema,
  })
  .openapi('GithubWebhookAck');

export const WebhookHealthSchema = z
  .object({
    ok: z.literal(true),
    secretConfigured: z.boolean(),
    previousSecretConfigured: z.boolean().openapi({ description: 'A rotation is in progress: the previous secret is still accepted.' }),
    since: z.string().openapi({ format: 'date-time', description: 'When this instance started counting.' }),
    lastAcceptedAt: z.string().nullable().openapi({ format: 'date-time' }),
    accepted: z.number().int(),
    duplicates: z.number().int(),
    rejected: z.number().int(),
    rejectedByCode: z.record(z.string(), z.number().int()),
  })
  .openapi('GithubWebhookHealth');

/** Documentation only: the body is read raw (for the signature), never validated by zod before that. */
export const WEBHOOK_BODY_DOC = {
  'application/json': { schema: { type: 'object' as const, additionalProperties: true, description: 'The event payload.' } },
  'application/x-www-form-urlencoded': {
    schema: {
      type: 'object' as const,
      properties: { payload: { type: 'string' as const, description: 'The event payload as JSON.' } },
      required: ['payload'],
    },
  },
};
