import type { HeartbeatBody } from './schema.js';
import type { Beat } from './state.js';
import { type Caller, tenantFor } from '../core/caller.js';

/**
 * Pure: a validated heartbeat body -> the beat to record. The tenant follows the same rule as
 * ingested events: the one the body names, else the caller's own, else `system`; whether the caller
 * may use it is decided by the row-level-security policy.
 */
export function toBeat(body: HeartbeatBody, caller: Caller): Beat {
  return {
    agent: body.agent,
    vtid: body.vtid,
    status: body.status,
    intervalMs: body.intervalMs,
    tenant: tenantFor(caller, body.tenant),
  };
}
