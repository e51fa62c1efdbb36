import { beatStep, deliveryStep, ledgerStep, pollStep } from './answers.js';
import type { LogEntryJson } from './cloud-logging-server.js';
import { deployRequested, revisionReady } from './cloud-run-entries.js';
import type { DemoAgent } from './demo-agent.js';
import { callGateway } from './gateway-api.js';
import { deployRun, pullRequestMerged, pullRequestOpened, pullRequestSynchronized, pushToMain, testRun, type GithubDelivery } from './github-payloads.js';
import type { LocalDeployPipeline } from './local-deploy-pipeline.js';
import type { Narrator } from './narrator.js';
import { sendDelivery } from './send-delivery.js';
import { CHANGE, storyFacts } from './story-facts.js';

/**
 * The story, in the order it happens on a real team's day: a task is registered in the VTID ledger
 * and picked up by an agent; its pull request runs CI, which fails, is fixed and passes; the merge
 * lands on main; the DEPLOY workflow rolls out the Cloud Run service, which the deploy watcher sees
 * in Cloud Audit Logs; the task is closed. Every step goes over the wire as the real sender's would.
 */

export interface StoryCast {
  gateway: string;
  /** The service-role token of the story's service callers (the ledger client, the agents, the watcher). */
  token: string;
  webhookSecret: string;
  narrator: Narrator;
  deploys: LocalDeployPipeline;
  builder: DemoAgent;
  deployer: DemoAgent;
}

/** Plays the story to its end and returns its task's VTID; throws StoryRefused at the first step the gateway refuses. */
export async function playStory(cast: StoryCast): Promise<string> {
  const { gateway, token, narrator, builder, deployer } = cast;
  let vtid = '';
  // Each delivery is built when it is sent, so its times are the moment it happens.
  const github = (what: string, delivery: (now: Date) => GithubDelivery) =>
    narrator.step('github', what, async () => deliveryStep(await sendDelivery(gateway, cast.webhookSecret, delivery(new Date()))));
  // Cloud Run writes the entry, then the watcher polls it (as Cloud Scheduler makes it do every minute).
  const cloudRun = (what: string, entry: (now: Date) => LogEntryJson) =>
    narrator.step('cloudrun', what, async () => pollStep(await cast.deploys.record(entry(new Date()))));
  const ledger = (what: string, method: 'POST' | 'PATCH', path: string, body: unknown, expected: number) =>
    narrator.step('ledger', what, async () => {
      const answer = await callGateway(gateway, token, method, path, body);
      if (!vtid && typeof answer.body.vtid === 'string') vtid = answer.body.vtid;
      return ledgerStep(answer, expected);
    });

  await ledger('POST /vtid/create: register the task', 'POST', '/vtid/create', { taskFamily: 'feature', taskType: 'console', description: CHANGE }, 201);
  const facts = storyFacts(vtid);
  const { failingTest, passingTest } = facts.runs;
  const pr = `#${facts.prNumber}`;

  await narrator.step('agent', `${builder.name} picks up ${vtid}`, async () => beatStep(await builder.work(vtid)));
  await ledger(`PATCH /vtid/${vtid}: active`, 'PATCH', `/vtid/${vtid}`, { status: 'active', assignedTo: builder.name }, 200);
  await github(`pull_request opened ${pr}`, (now) => pullRequestOpened(facts, now));
  await github(`workflow_run TEST #${failingTest.number} queued`, (now) => testRun(facts, failingTest, 'queued', now));
  await github(`workflow_run TEST #${failingTest.number} in_progress`, (now) => testRun(facts, failingTest, 'in_progress', now));
  await github(`workflow_run TEST #${failingTest.number} completed: failure`, (now) => testRun(facts, failingTest, 'failure', now));
  await github(`pull_request synchronize ${pr}: the fix is pushed`, (now) => pullRequestSynchronized(facts, now));
  await github(`workflow_run TEST #${passingTest.number} queued`, (now) => testRun(facts, passingTest, 'queued', now));
  await github(`workflow_run TEST #${passingTest.number} in_progress`, (now) => testRun(facts, passingTest, 'in_progress', now));
  await github(`workflow_run TEST #${passingTest.number} completed: success`, (now) => testRun(facts, passingTest, 'success', now));
  await github(`pull_request closed ${pr}: merged`, (now) => pullRequestMerged(facts, now));
  await github(`push to main ${facts.commits.merge.sha.slice(0, 7)}`, (now) => pushToMain(facts, now));
  await narrator.step('agent', `${builder.name} is done with ${vtid}`, async () => beatStep(await builder.idle()));
  await github(`workflow_run DEPLOY #${facts.runs.deploy.number} queued`, (now) => deployRun(facts, 'queued', now));
  await narrator.step('agent', `${deployer.name} picks up ${vtid}`, async () => beatStep(await deployer.work(vtid)));
  await github(`workflow_run DEPLOY #${facts.runs.deploy.number} in_progress`, (now) => deployRun(facts, 'in_progress', now));
  await cloudRun(`audit log: ${facts.service} ReplaceService accepted`, (now) => deployRequested(facts, now));
  await cloudRun(`audit log: ${facts.revision} Ready`, (now) => revisionReady(facts, now));
  await github(`workflow_run DEPLOY #${facts.runs.deploy.number} completed: success`, (now) => deployRun(facts, 'success', now));
  await narrator.step('agent', `${deployer.name} is done with ${vtid}`, async () => beatStep(await deployer.idle()));
  await ledger(`PATCH /vtid/${vtid}: complete`, 'PATCH', `/vtid/${vtid}`, { status: 'complete' }, 200);
  await narrator.step('agent', `${builder.name} shuts down`, async () => beatStep(await builder.stop()));
  await narrator.step('agent', `${deployer.name} shuts down`, async () => beatStep(await deployer.stop()));
  return vtid;
}
