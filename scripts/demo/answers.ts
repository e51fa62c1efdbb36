import type { BeatOutcome } from './demo-agent.js';
import type { ApiAnswer } from './gateway-api.js';
import type { PollAnswer } from './local-deploy-pipeline.js';
import type { StepAnswer } from './narrator.js';
import type { DeliveryAnswer } from './send-delivery.js';

/** What each kind of answer means for the story: accepted or refused, and the line's detail. */

const WRONG_WEBHOOK_SECRET =
  'the deliveries are not signed with the secret this gateway verifies: export the GITHUB_WEBHOOK_SECRET it runs with, or OASIS_DATA_DIR of its data folder (its secrets file is beside it)';
const WRONG_JWT_SECRET =
  'the token is not signed with the secret this gateway trusts: export the SUPABASE_JWT_SECRET it runs with, or OASIS_DATA_DIR of its data folder (its secrets file is beside it)';

function errorOf(body: Record<string, unknown>): string {
  const error = body.error as { code?: unknown; message?: unknown } | undefined;
  return error ? `${String(error.code)}: ${String(error.message)}` : 'an answer that is not the gateway\'s';
}

function refused(status: number, body: Record<string, unknown>, hint: string): StepAnswer {
  return { ok: false, status, detail: errorOf(body), ...(status === 401 ? { hint } : {}) };
}

/** A webhook delivery: 200 with the event the gateway stored (a repeat is still a 200). */
export function deliveryStep(answer: DeliveryAnswer): StepAnswer {
  const { status, body } = answer;
  if (status !== 200 || body.ok !== true) return refused(status, body, WRONG_WEBHOOK_SECRET);
  const repeat = body.duplicate === true ? ' (a redelivery: already stored)' : '';
  return { ok: true, status, detail: `event ${String(body.id)}: ${String(body.kind)} ${String(body.status)}, ${String(body.vtid)}${repeat}` };
}

/** A ledger call answered with `expected` and a `{ vtid, data: { status } }` body. */
export function ledgerStep(answer: ApiAnswer, expected: number): StepAnswer {
  const { status, body } = answer;
  if (status !== expected || body.ok !== true) return refused(status, body, WRONG_JWT_SECRET);
  const data = body.data as { status?: unknown; assignedTo?: unknown } | undefined;
  const assigned = typeof data?.assignedTo === 'string' ? `, assigned to ${data.assignedTo}` : '';
  return { ok: true, status, detail: `${String(body.vtid)} is ${String(data?.status)}${assigned}` };
}

/** A heartbeat sent by the library: it reports only beats the gateway answered 200. */
export function beatStep(outcome: BeatOutcome | null): StepAnswer {
  if (outcome === null) return { ok: true, status: '-', detail: 'never started' };
  if (!outcome.ok) {
    const status = 'details' in outcome.error ? outcome.error.details.status : null;
    return { ok: false, status: status ?? '-', detail: outcome.error.message, ...(status === 401 ? { hint: WRONG_JWT_SECRET } : {}) };
  }
  const { report } = outcome;
  const event = report.eventId === null ? 'no event (nothing changed)' : `event ${report.eventId}`;
  return { ok: true, status: 200, detail: `${report.agent} ${report.status}, ${report.vtid}: ${event}` };
}

/** The watcher's poll: it must have published the new entry, and the gateway refused none. */
export function pollStep(answer: PollAnswer): StepAnswer {
  const { status, body } = answer;
  if (status !== 200 || body.ok !== true) return { ok: false, status, detail: `the watcher's poll failed: ${errorOf(body)}` };
  const counts = `watcher read ${String(body.scanned)} entries: published ${String(body.published)}, already had ${String(body.duplicates)}, refused ${String(body.rejected)}`;
  if (body.rejected !== 0) return { ok: false, status, detail: counts, hint: "the gateway refused a deploy event: the watcher's ERROR line above says why" };
  if (body.published !== 1) return { ok: false, status, detail: `${counts}; the new entry was not published` };
  return { ok: true, status, detail: counts };
}
