import { parseVtid } from '@vitana/vtid';
import { IDLE } from './wire.js';

/**
 * The task value a beat carries: a VTID upper-cased as the gateway stores it, or IDLE for null,
 * undefined, empty or `idle`. Anything else is a programming error in the host, thrown at once
 * (synchronously, at the call site) rather than failing every beat later.
 */
export function toTask(vtid: string | null | undefined): string {
  if (vtid === null || vtid === undefined || vtid.trim() === '' || vtid.trim().toUpperCase() === IDLE) return IDLE;
  const parsed = parseVtid(vtid);
  if (parsed === null) throw new TypeError(`heartbeat: "${vtid}" is not a VTID (e.g. VTID-2026-0001 or DEV-CICDL-0031)`);
  return parsed.vtid;
}
