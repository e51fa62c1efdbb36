import { retryAfterMs } from './backoff.js';
import type { BeatReport, HeartbeatErrorKind } from './types.js';
import { AGENT_STATUSES, type AgentStatus, type BeatStatus } from './wire.js';

/** One heartbeat request and the classification of its outcome. Never throws. */

export interface BeatBody {
  agent: string;
  vtid: string;
  status: BeatStatus;
  intervalMs: number;
}

/** Tagged by `outcome`, as every outcome union of the repository is; `kind` is the HeartbeatError kind. */
export type BeatOutcome =
  | { outcome: 'sent'; report: BeatReport }
  | { outcome: 'failed'; kind: HeartbeatErrorKind; message: string; status: number | null; code: string | null; retryAfterMs: number | null };

export interface BeatRequest {
  url: string;
  token: string;
  body: BeatBody;
  timeoutMs: number;
  fetch: typeof fetch;
}

function isAgentStatus(value: unknown): value is AgentStatus {
  return (AGENT_STATUSES as readonly unknown[]).includes(value);
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

// "fetch failed" alone says nothing; the cause carries ECONNREFUSED and friends.
function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError') return 'the gateway did not answer in time';
  const cause = record((error as { cause?: unknown }).cause);
  const detail = typeof cause.code === 'string' ? cause.code : typeof cause.message === 'string' ? cause.message : null;
  return detail ? `${error.message}: ${detail}` : error.message;
}

function reportFrom(payload: unknown, body: BeatBody): BeatReport {
  const data = record(record(payload).data);
  const eventId = record(payload).eventId;
  const status = data.status;
  return {
    agent: typeof data.agent === 'string' ? data.agent : body.agent,
    vtid: typeof data.vtid === 'string' ? data.vtid : body.vtid,
    status: isAgentStatus(status) ? status : body.status,
    lastSeen: typeof data.lastSeen === 'string' ? data.lastSeen : new Date().toISOString(),
    eventId: typeof eventId === 'number' ? eventId : null,
  };
}

export async function sendBeat(request: BeatRequest): Promise<BeatOutcome> {
  let response: Response;
  try {
    response = await request.fetch(request.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${request.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(request.body),
      signal: AbortSignal.timeout(request.timeoutMs),
    });
  } catch (error) {
    return { outcome: 'failed', kind: 'network', message: describeNetworkError(error), status: null, code: null, retryAfterMs: null };
  }
  let payload: unknown = null;
  try {
    payload = await response.json();
  } catch {
    // A proxy's HTML error page or a cut connection: the status says enough.
  }
  if (response.ok) return { outcome: 'sent', report: reportFrom(payload, request.body) };
  const error = record(record(payload).error);
  const code = typeof error.code === 'string' ? error.code : null;
  const message = `gateway answered ${response.status}${typeof error.message === 'string' ? `: ${error.message}` : ''}`;
  const transient = response.status >= 500 || response.status === 408 || response.status === 429;
  return {
    outcome: 'failed',
    kind: transient ? 'unavailable' : 'rejected',
    message,
    status: response.status,
    code,
    retryAfterMs: retryAfterMs(response.headers.get('retry-after')),
  };
}
