import { expect } from 'vitest';
import { json } from './gateway.js';
import { githubFixture, postWebhook } from './github.js';

/** Signed workflow_run deliveries of numbered runs (each its own run id), built from the fixture. */

/** A workflow_run delivery of run `number` (its own run id), in the given state. */
export function workflowRun(number: number, state: 'in_progress' | 'success' | 'failure', workflow = 'TEST') {
  const { event, payload } = githubFixture('workflow_run.completed');
  const run = structuredClone(payload.workflow_run) as Record<string, unknown>;
  Object.assign(run, {
    id: 9_000_000 + number,
    run_number: number,
    name: workflow,
    status: state === 'in_progress' ? 'in_progress' : 'completed',
    conclusion: state === 'in_progress' ? null : state,
    html_url: `https://github.com/vitana-platform/vitana-oasis/actions/runs/${9_000_000 + number}`,
  });
  return { event, payload: { ...payload, action: state === 'in_progress' ? 'in_progress' : 'completed', workflow_run: run } };
}

export async function deliverRun(url: string, number: number, state: 'in_progress' | 'success' | 'failure', workflow = 'TEST'): Promise<number> {
  const res = await postWebhook(url, workflowRun(number, state, workflow));
  expect(res.status).toBe(200);
  return (await json(res)).id as number;
}

