import { z } from '@hono/zod-openapi';
import { storableText, vtidOr } from '../core/schemas.js';
import {
  AGENT_STATUSES,
  BEAT_STATUSES,
  HEARTBEAT_DEFAULT_INTERVAL_MS,
  HEARTBEAT_MAX_INTERVAL_MS,
  HEARTBEAT_MIN_INTERVAL_MS,
  IDLE,
} from '@vitana/agent-heartbeat/wire';
import type { AgentState } from './state.js';

/** The zod schemas of the agents API: they validate requests and generate the OpenAPI document. */

export const AgentStatusSchema = z.enum(AGENT_STATUSES).openapi('AgentStatus');

/** The task a beat names: a VTID, or IDLE. */
export const TaskVtidSchema = vtidOr(IDLE);

// Agent names are service names: they appear in logs, event titles and URLs, so no spaces or controls.
export const AgentNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,99}$/, 'must be 1-100 characters (letters, digits, . _ : @ / -), starting with a letter or digit')
  .openapi({ example: 'builder-1' });

export const HeartbeatBodySchema = z
  .object({
    agent: AgentNameSchema,
    vtid: TaskVtidSchema.openapi({ description: 'The task the agent is working on, or IDLE.' }),
    status: z.enum(BEAT_STATUSES).default('online').openapi({ description: '`stopped` is the final beat of a clean shutdown.' }),
    intervalMs: z
      .number()
      .int()
      .min(HEARTBEAT_MIN_INTERVAL_MS)
      .max(HEARTBEAT_MAX_INTERVAL_MS)
      .default(HEARTBEAT_DEFAULT_INTERVAL_MS)
      .openapi({ description: 'How often the agent beats; silent for three intervals means offline.' }),
    tenant: storableText(100)
      .optional()
      .openapi({ description: 'Default: the caller’s tenant, or `system` for service callers.' }),
  })
  .strict()
  .openapi('Heartbeat');
export type HeartbeatBody = z.infer<typeof HeartbeatBodySchema>;

/** One agent as the Live Console's agents panel shows it. */
export const AgentSchema = z
  .object({
    agent: z.string(),
    vtid: z.string().openapi({ description: 'The current (or, when stopped/offline, the last) task, or IDLE.' }),
    status: AgentStatusSchema,
    lastSeen: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('Agent');
export type AgentView = z.infer<typeof AgentSchema>;

export const AgentListSchema = z.object({ ok: z.literal(true), data: z.array(AgentSchema) }).openapi('AgentList');

export const HeartbeatResponseSchema = z
  .object({
    ok: z.literal(true),
    data: AgentSchema,
    eventId: z.number().int().nullable().openapi({ description: 'The OASIS event this beat wrote, or null when it changed nothing.' }),
  })
  .openapi('HeartbeatResult');

export function toAgentView(state: AgentState): AgentView {
  return { agent: state.agent, vtid: state.vtid, status: state.status, lastSeen: state.lastSeen.toISOString() };
}
