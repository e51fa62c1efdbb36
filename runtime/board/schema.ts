import { z } from '@hono/zod-openapi';
import { EventStatusSchema } from '../events/schema.js';
import { AccessTokenQuerySchema } from '../http/auth.js';

/** The zod schemas of GET /api/v1/oasis/board. */

const filter = (description: string) => z.string().trim().min(1).max(200).optional().openapi({ description });

export const BOARD_MAX_DAYS = 90;

export const BoardQuerySchema = z.object({
  repo: filter('Only workflows of this repository (`owner/name`).'),
  service: filter('Only this Cloud Run service.'),
  layer: filter('Only rows whose latest attempt has this layer.'),
  module: filter('Only rows whose latest attempt has this module.'),
  status: EventStatusSchema.optional().openapi({ description: 'Only rows whose latest attempt or latest outcome has this status (`failure`: what is red).' }),
  days: z.coerce.number().int().min(1).max(BOARD_MAX_DAYS).default(14).openapi({ description: 'How far back to look for runs and rollouts.' }),
  access_token: AccessTokenQuerySchema,
});

const BoardRowSchema = z
  .object({
    kind: z.enum(['workflow', 'service']),
    repo: z.string().nullable(),
    name: z.string(),
    status: EventStatusSchema.openapi({ description: 'The latest attempt right now.' }),
    outcome: EventStatusSchema.nullable().openapi({ description: 'The latest finished attempt.' }),
    since: z.string().nullable().openapi({ format: 'date-time', description: 'When the current outcome began (red: the first failure after the last success), or when the running attempt started.' }),
    lastEventAt: z.string().openapi({ format: 'date-time' }),
    url: z.string().nullable(),
    linkText: z.string().nullable(),
    vtid: z.string(),
    layer: z.string().nullable(),
    module: z.string().nullable(),
    attempts: z.number().int(),
  })
  .openapi('BoardRow');

export const BoardResponseSchema = z
  .object({
    ok: z.literal(true),
    since: z.string().openapi({ format: 'date-time' }),
    workflows: z.array(BoardRowSchema),
    services: z.array(BoardRowSchema),
  })
  .openapi('Board');
