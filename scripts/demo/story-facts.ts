import { randomBytes, randomInt } from 'node:crypto';
import { parseLedgerVtid } from '@vitana/vtid';

/**
 * What the demo's story is about, decided once from the task's VTID: the pull request, its commits,
 * the CI runs and the Cloud Run revision. Every delivery and log entry of the story is built from these,
 * so they all agree with each other the way GitHub's and Cloud Run's would.
 */

export interface Commit {
  sha: string;
  message: string;
}

export interface WorkflowRunFacts {
  id: number;
  number: number;
  /** The commit it runs on. */
  commit: Commit;
}

export interface StoryFacts {
  vtid: string;
  /** The change, as the task describes it. */
  change: string;
  /** The pull request's title: the VTID first, as the team's convention (and the gateway's tagging) wants. */
  title: string;
  prNumber: number;
  branch: string;
  commits: { first: Commit; fix: Commit; merge: Commit };
  /** TEST on the first commit (fails), TEST on the fix (passes), DEPLOY on the merge commit. */
  runs: { failingTest: WorkflowRunFacts; passingTest: WorkflowRunFacts; deploy: WorkflowRunFacts };
  /** The Cloud Run service the DEPLOY workflow rolls out, and the revision it creates. */
  service: string;
  revision: string;
}

export const CHANGE = 'Show the webhook delivery id in the Live Console';

const sha = () => randomBytes(20).toString('hex');

export function storyFacts(vtid: string): StoryFacts {
  // A later task gets a later pull request, so two runs of the demo do not tell the same story twice.
  const sequence = parseLedgerVtid(vtid)?.sequence ?? randomInt(1, 1000);
  const prNumber = 100 + sequence;
  const title = `${vtid}: ${CHANGE}`;
  const first: Commit = { sha: sha(), message: 'Show the delivery id in the console rows\n\nOne column more; the phone layout folds it into the card.' };
  const fix: Commit = { sha: sha(), message: 'Fix the console test for the new column' };
  const merge: Commit = { sha: sha(), message: `${title} (#${prNumber})\n\n* Show the delivery id in the console rows\n* Fix the console test for the new column` };
  const runId = 13_458_000_000 + sequence * 1000;
  const letters = Array.from({ length: 3 }, () => 'abcdefghijklmnopqrstuvwxyz'[randomInt(26)]).join('');
  return {
    vtid,
    change: CHANGE,
    title,
    prNumber,
    branch: `vt/${vtid.toLowerCase()}-console-delivery-id`,
    commits: { first, fix, merge },
    runs: {
      failingTest: { id: runId + 1, number: 300 + sequence * 2, commit: first },
      passingTest: { id: runId + 2, number: 301 + sequence * 2, commit: fix },
      deploy: { id: runId + 3, number: 100 + sequence, commit: merge },
    },
    service: 'vitana-gateway',
    revision: `vitana-gateway-${String(sequence).padStart(5, '0')}-${letters}`,
  };
}
