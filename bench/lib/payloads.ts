import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './settings.js';

/**
 * Signed `workflow_run` deliveries as GitHub sends them, grown or shrunk from the test fixture to a
 * target size. They stay valid workflow_run payloads (the padding is the head commit's message body)
 * and carry a VTID in display_title, so the gateway tags them.
 */

type Json = Record<string, any>;

export const BENCH_VTID = 'VTID-2026-0001';

export function signatureFor(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

function fixture(): Json {
  return JSON.parse(readFileSync(join(REPO_ROOT, 'test/fixtures/github/workflow_run.completed.json'), 'utf8')) as Json;
}

const pick = (o: Json, keys: string[]): Json => Object.fromEntries(keys.filter((k) => k in o).map((k) => [k, o[k]]));

/** The fixture without the heavy repository/actor objects: about 2.3 KB compact. */
function slim(p: Json): Json {
  const repo = (r: Json) => ({ ...pick(r, ['id', 'node_id', 'name', 'full_name', 'private', 'html_url', 'url', 'default_branch']), owner: pick(r.owner ?? {}, ['login', 'id', 'type']) });
  const actor = (a: Json) => pick(a, ['login', 'id', 'node_id', 'type', 'site_admin']);
  const run = p.workflow_run as Json;
  return {
    action: p.action,
    workflow_run: {
      ...pick(run, ['id', 'name', 'node_id', 'head_branch', 'head_sha', 'path', 'display_title', 'run_number', 'event', 'status', 'conclusion', 'workflow_id', 'check_suite_id', 'url', 'html_url']),
      pull_requests: (run.pull_requests as Json[]).map((pr) => pick(pr, ['id', 'number', 'url'])),
      ...pick(run, ['created_at', 'updated_at', 'run_attempt', 'run_started_at', 'jobs_url', 'logs_url', 'workflow_url']),
      actor: actor(run.actor),
      head_commit: run.head_commit,
      repository: repo(run.repository),
    },
    workflow: pick(p.workflow, ['id', 'name', 'path', 'state']),
    repository: repo(p.repository),
    sender: actor(p.sender),
  };
}

/**
 * A payload whose compact JSON is exactly `bytes` long (within a few bytes when the base is already
 * larger than that), `marker` in display_title (so each delivery can carry its own), `runId` varied.
 */
export function workflowRunPayload(bytes: number, marker: string, runId: number): Json {
  const base = fixture();
  const payload = bytes < JSON.stringify(base).length ? slim(base) : base;
  const run = payload.workflow_run as Json;
  run.id = runId;
  run.run_number = runId % 100_000;
  run.display_title = `TEST · ${BENCH_VTID}: ${marker}`;
  run.conclusion = 'success';
  const message = String(run.head_commit.message);
  const size = () => Buffer.byteLength(JSON.stringify(payload));
  const line = 'Refs the webhook receiver: verify the signature over the raw body, then parse and store.\n';
  let padLength = bytes - size();
  // JSON escapes the newlines, so converge on the exact size in a few passes.
  for (let pass = 0; pass < 5 && padLength > 2; pass++) {
    const pad = ('\n\n' + line.repeat(Math.ceil(padLength / line.length) + 1)).slice(0, padLength);
    run.head_commit.message = message + pad;
    const off = size() - bytes;
    if (off === 0) break;
    padLength -= off;
  }
  return payload;
}

export interface SignedBody {
  body: string;
  signature: string;
}

/** `count` different signed bodies of `bytes` bytes (a pool the load generator rotates through). */
export function signedPool(bytes: number, count: number, secret: string, label: string): SignedBody[] {
  return Array.from({ length: count }, (_, i) => {
    const body = JSON.stringify(workflowRunPayload(bytes, `${label} bench body ${i}`, 20_000_000_000 + i));
    return { body, signature: signatureFor(secret, body) };
  });
}

/** The headers of a delivery, as GitHub's hookshot sends them (X-GitHub-Delivery is set per request). */
export function deliveryHeaders(signature: string, deliveryId: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': 'GitHub-Hookshot/bench',
    'x-github-event': 'workflow_run',
    'x-github-delivery': deliveryId,
    'x-github-hook-id': '482919237',
    'x-github-hook-installation-target-type': 'repository',
    'x-github-hook-installation-target-id': '300029405',
    'x-hub-signature-256': signature,
  };
}
