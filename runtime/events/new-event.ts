import { UNSET_VTID } from '@vitana/vtid';
import type { EventStatus, IngestBody } from './schema.js';
import { tenantFor, type Caller } from '../core/caller.js';

/** An event about to be stored: the repository's input. Pure data. */
export interface NewEvent {
  ts?: string;
  vtid: string;
  source: string;
  kind: string;
  status: EventStatus;
  layer?: string | null;
  module?: string | null;
  title?: string | null;
  repo?: string | null;
  ref?: string | null;
  sha?: string | null;
  actor?: string | null;
  url?: string | null;
  externalId?: string | null;
  tenant: string;
  metadata: Record<string, unknown>;
  payload?: unknown;
  /**
   * The payload's JSON text, when it arrived as JSON that jsonb takes as it is (a webhook's verified
   * raw body): stored instead of serializing `payload` again, which for a 30 KB delivery is most of
   * the gateway's own work per event. Must be the same value as `payload`.
   */
  payloadJson?: string;
}

/** The legacy shape's metadata.vtid, normalized as VtidSchema does (the schema has checked it is a VTID). */
function legacyVtid(metadata: Record<string, unknown> | undefined): string | undefined {
  const value = metadata?.vtid;
  return typeof value === 'string' && value.length > 0 ? value.trim().toUpperCase() : undefined;
}

/** Pure: a validated ingest body (either shape) -> the event to store. `raw` is kept as the payload. */
export function toNewEvent(body: IngestBody, caller: Caller, raw: unknown): NewEvent {
  return {
    ts: body.ts,
    vtid: body.vtid ?? legacyVtid(body.metadata) ?? UNSET_VTID,
    // The schema guarantees one of each pair is present.
    source: (body.source ?? body.service)!,
    kind: (body.kind ?? body.event)!,
    status: body.status ?? 'info',
    layer: body.layer,
    module: body.module,
    title: body.title,
    repo: body.repo,
    ref: body.ref,
    sha: body.sha,
    actor: body.actor,
    url: body.url,
    externalId: body.externalId,
    tenant: tenantFor(caller, body.tenant),
    metadata: body.metadata ?? {},
    payload: raw,
  };
}
