import { z } from '@hono/zod-openapi';
import { EventStatusSchema, OasisEventSchema } from '../events/schema.js';
import { LedgerEntrySchema } from '../ledger/schema.js';
import { AnyVtidSchema } from '../core/schemas.js';
import { PHASES } from './steps.js';
import { AccessTokenQuerySchema } from '../http/auth.js';

/** The zod schemas of GET /vtid/{vtid}/timeline: they validate the request and generate the OpenAPI document. */

export const TimelineParamsSchema = z.object({
  vtid: AnyVtidSchema.openapi({ param: { name: 'vtid', in: 'path' }, example: 'DEV-CICDL-0031' }),
});

export const TimelineQuerySchema = z.object({
  access_token: AccessTokenQuerySchema,
});

const timestamp = z.string().openapi({ format: 'date-time' });
const PhaseSchema = z.enum(PHASES).openapi('TimelinePhaseName');

const MarkSchema = z
  .object({ at: timestamp, state: z.string(), status: EventStatusSchema, eventId: z.number().int() })
  .openapi('TimelineMark');

const StepSchema = z
  .object({
    id: z.string().openapi({ description: 'Stable within the task: `run:<runId>:<attempt>`, `pr:<repo>#<n>`, `cloudrun:<service>:<revision>`, …' }),
    phase: PhaseSchema,
    label: z.string(),
    status: EventStatusSchema,
    startedAt: timestamp,
    endedAt: timestamp.nullable().openapi({ description: 'Null while the step is running.' }),
    durationSeconds: z.number().min(0).nullable(),
    url: z.string().nullable(),
    linkText: z.string().nullable().openapi({ description: 'What the link opens, in words.' }),
    marks: z.array(MarkSchema),
  })
  .openapi('TimelineStep');

const PhaseBlockSchema = z
  .object({ phase: PhaseSchema, startedAt: timestamp, endedAt: timestamp, steps: z.array(StepSchema) })
  .openapi('TimelinePhase');

const seconds = z.number().min(0).nullable();

const DurationsSchema = z
  .object({
    reviewSeconds: seconds.openapi({ description: 'Pull request opened -> merged (the first one merged).' }),
    ci: z.array(
      z.object({
        workflow: z.string(),
        runs: z.number().int(),
        lastStatus: EventStatusSchema,
        lastSeconds: seconds,
        totalSeconds: z.number().min(0),
      }),
    ),
    firstChangeAt: timestamp.nullable(),
    firstSuccessfulDeployAt: timestamp.nullable(),
    leadTimeSeconds: seconds.openapi({ description: 'First change (earliest commit or pull request opened) -> first successful deploy after it.' }),
    firstFailureAt: timestamp.nullable(),
    timeToFirstFailureSeconds: seconds,
    fixedAt: timestamp.nullable(),
    timeToFixSeconds: seconds.openapi({ description: 'First failure -> the next success of the same workflow, job, check or service.' }),
  })
  .openapi('TimelineDurations');

export const TimelineResponseSchema = z
  .object({
    ok: z.literal(true),
    vtid: z.string(),
    kind: z.enum(['ledger', 'family']),
    ledger: z.object({
      // A union, not .nullable(): on a named schema that becomes allOf [$ref, null], which no value satisfies.
      entry: z.union([LedgerEntrySchema, z.null()]).openapi({ description: 'The ledger task (ledger ids only; null when the ledger has none).' }),
      parent: z.union([LedgerEntrySchema, z.null()]),
      children: z.array(LedgerEntrySchema),
      moreChildren: z.boolean(),
    }),
    startedAt: timestamp.nullable(),
    endedAt: timestamp.nullable(),
    phases: z.array(PhaseBlockSchema),
    durations: DurationsSchema,
    events: z.array(OasisEventSchema).openapi({ description: 'Every event tagged with the VTID that the caller may read, oldest first.' }),
    truncated: z.boolean().openapi({ description: 'True when the task has more events than one timeline shows (the oldest are shown).' }),
  })
  .openapi('Timeline');
