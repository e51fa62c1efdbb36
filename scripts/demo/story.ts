import { beatStep, deliveryStep, ledgerStep, pollStep } from './answers.js';
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

export async function playStory(cast: StoryCast, onVtid: (vtid: string) => void): Promise<string> {
  const { gateway, token, narrator, builder, deployer } = cast;
  let vtid = '';
  const github = (what: string, delivery: () => GithubDelivery) =>
    narrator.step('github', what, async () => deliveryStep(await sendDelivery(gateway, cast.webhookSecret, delivery())));
  const ledger = (what: string, method: 'POST' | 'PATCH', path: string, body: unknown, expected: number) =>
    narrator.step('ledger', what, async () => {
      const answer = await callGateway(gateway, token, method, path, body);
      if (!vtid && typeof answer.body.vtid === 'string') vtid = answer.body.vtid;
      return ledgerStep(answer, expected);
    });

  await ledger('POST /vtid/create: register the task', 'POST', '/vtid/create', { taskFamily: 'feature', taskType: 'console', description: CHANGE }, 201);
  onVtid(vtid);
  const facts = storyFacts(vtid);
  const { failingTest, passingTest } = facts.runs;
  const pr = `#${facts.prNumber}`;

  await narrator.step('agent', `${builder.name} picks up ${vtid}`, async () => beatStep(await builder.work(vtid)));
  await ledger(`PATCH /vtid/${vtid}: active`, 'PATCH', `/vtid/${vtid}`, { status: 'active', assignedTo: builder.name }, 200);
  await github(`pull_request opened ${pr}`, () => pullRequestOpened(facts, new Date()));
  await github(`workflow_run TEST #${failingTest.number} queued`, () => testRun(facts, failingTest, 'queued', new Date()));
  await github(`workflow_run TEST #${failingTest.number} in_progress`, () => testRun(facts, failingTest, 'in_progress', new Date()));
  await github(`workflow_run TEST #${failingTest.number} completed: failure`, () => testRun(facts, failingTest, 'failure', new Date()));
  await github(`pull_request synchronize ${pr}: the fix is pushed`, () => pullRequestSynchronized(facts, new Date()));
  await github(`workflow_run TEST #${passingTest.number} queued`, () => testRun(facts, passingTest, 'queued', new Date()));
  await github(`workflow_run TEST #${passingTest.number} in_progress`, () => testRun(facts, passingTest, 'in_progress', new Date()));
  await github(`workflow_run TEST #${passingTest.number} completed: success`, () => testRun(facts, passingTest, 'success', new Date()));
  await github(`pull_request closed ${pr}: merged`, () => pullRequestMerged(facts, new Date()));
  await github(`push to main ${facts.commits.merge.sha.slice(0, 7)}`, () => pushToMain(facts, new Date()));
  await narrator.step('agent', `${builder.name} is done with ${vtid}`, async () => beatStep(await builder.idle()));
  await github(`workflow_run DEPLOY #${facts.runs.deploy.number} queued`, () => deployRun(facts, 'queued', new Date()));
  await narrator.step('agent', `${deployer.name} picks up ${vtid}`, async () => beatStep(await deployer.work(vtid)));
  await github(`workflow_run DEPLOY #${facts.runs.deploy.number} in_progress`, () => deployRun(facts, 'in_progress', new Date()));
  await narrator.step('cloudrun', `audit log: ${facts.service} ReplaceService accepted`, async () =>
    pollStep(await cast.deploys.record(deployRequested(facts, new Date()))),
  );
  await narrator.step('cloudrun', `audit log: ${facts.revision} Ready`, async () => pollStep(await cast.deploys.record(revisionReady(facts, new Date()))));
  await github(`workflow_run DEPLOY #${facts.runs.deploy.number} completed: success`, () => deployRun(facts, 'success', new Date()));
  await narrator.step('agent', `${deployer.name} is done with ${vtid}`, async () => beatStep(await deployer.idle()));
  await ledger(`PATCH /vtid/${vtid}: complete`, 'PATCH', `/vtid/${vtid}`, { status: 'complete' }, 200);
  await narrator.step('agent', `${builder.name} shuts down`, async () => beatStep(await builder.stop()));
  await narrator.step('agent', `${deployer.name} shuts down`, async () => beatStep(await deployer.stop()));
  return vtid;
}
