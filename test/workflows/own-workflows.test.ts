/**
 * What this repo's own workflows do (the canon of their names is checked in workflow-canon.test.ts):
 * TEST runs the suite against a PostgreSQL service container, PREVIEW previews the dev stack on pull
 * requests, DEPLOY runs `pulumi up` on main behind the VTID guard. Read as YAML, step by step.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const REPO = path.resolve(import.meta.dirname, '../..');

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
}
interface Job {
  name: string;
  if?: string;
  environment?: string | { name: string };
  steps: Step[];
  env?: Record<string, string>;
  services?: Record<string, { image: string; ports?: string[]; env?: Record<string, string> }>;
}
interface Workflow {
  name: string;
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

function workflow(file: string): Workflow {
  return parse(fs.readFileSync(path.join(REPO, '.github/workflows', file), 'utf8')) as Workflow;
}

function onlyJob(wf: Workflow): Job {
  const jobs = Object.values(wf.jobs);
  expect(jobs).toHaveLength(1);
  return jobs[0]!;
}

/** Index of the first step matching `match`; fails the test when there is none. */
function stepIndex(job: Job, what: string, match: (step: Step) => boolean): number {
  const index = job.steps.findIndex(match);
  expect(index, `a step that ${what}`).toBeGreaterThanOrEqual(0);
  return index;
}

const runs = (pattern: RegExp) => (step: Step) => typeof step.run === 'string' && pattern.test(step.run);
const uses = (action: string) => (step: Step) => typeof step.uses === 'string' && step.uses.startsWith(`${action}@`);

describe('TEST', () => {
  const wf = workflow('test.yml');
  const job = onlyJob(wf);

  it('runs on every push and pull request', () => {
    expect(Object.keys(wf.on).sort()).toEqual(['pull_request', 'push']);
  });

  it('installs, type-checks and runs the tests against a PostgreSQL service container', () => {
    const postgres = job.services?.postgres;
    expect(postgres?.image).toMatch(/^postgres:/);
    expect(postgres?.ports).toContain('5432:5432');
    expect(job.env?.TEST_DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/test');
    const install = stepIndex(job, 'runs npm ci', runs(/^npm ci\b/));
    const typecheck = stepIndex(job, 'type-checks', runs(/^npm run typecheck$/));
    const test = stepIndex(job, 'runs npm test', runs(/^npm test$/));
    expect(install).toBeLessThan(typecheck);
    expect(typecheck).toBeLessThan(test);
  });
});

/** What each Pulumi workflow runs as: its own Google identity, its GitHub environment. */
const IDENTITY = {
  'preview.yml': { provider: '${{ vars.GCP_PREVIEW_WORKLOAD_IDENTITY_PROVIDER }}', account: '${{ vars.GCP_PREVIEW_SERVICE_ACCOUNT }}', environment: 'preview' },
  'deploy.yml': { provider: '${{ vars.GCP_DEPLOY_WORKLOAD_IDENTITY_PROVIDER }}', account: '${{ vars.GCP_DEPLOY_SERVICE_ACCOUNT }}', environment: 'production' },
} as const;

describe.each([
  ['preview.yml', 'preview'],
  ['deploy.yml', 'up'],
] as const)('%s', (file, command) => {
  const wf = workflow(file);
  const job = onlyJob(wf);
  const pulumi = stepIndex(job, 'runs pulumi/actions', uses('pulumi/actions'));
  const pulumiStep = job.steps[pulumi]!;
  const identity = IDENTITY[file];

  it(`runs pulumi/actions \`${command}\` on the dev stack with the state in the gs:// backend variable`, () => {
    expect(pulumiStep.with).toMatchObject({ command, 'stack-name': 'dev', 'cloud-url': '${{ vars.PULUMI_BACKEND_URL }}' });
    expect(pulumiStep.env).toMatchObject({ PULUMI_CONFIG_PASSPHRASE: '${{ secrets.PULUMI_CONFIG_PASSPHRASE }}' });
  });

  it('uses the current major of pulumi/actions (v7, on Node 24; v6 runs on the retired Node 20)', () => {
    const major = Number(/^pulumi\/actions@v(\d+)$/.exec(pulumiStep.uses!)?.[1]);
    expect(major).toBeGreaterThanOrEqual(7);
  });

  it('runs the CrossGuard pack in infra/policy-pack/ with the command', () => {
    expect(pulumiStep.with).toMatchObject({ policyPacks: './infra/policy-pack' });
    expect(fs.existsSync(path.join(REPO, 'infra', 'policy-pack', 'PulumiPolicy.yaml'))).toBe(true);
  });

  it("labels the stack with the change's VTID: the guard's output as VTID, not a VTID from the stack file", () => {
    const guard = job.steps.find(runs(/scripts\/ensure-vtid\.sh/))!;
    expect((guard as Step & { id?: string }).id).toBe('vtid');
    expect(pulumiStep.env).toMatchObject({ VTID: '${{ steps.vtid.outputs.vtid }}' });
  });

  it(`runs in the GitHub environment \`${identity.environment}\`, which holds its secrets`, () => {
    const environment = typeof job.environment === 'string' ? job.environment : job.environment?.name;
    expect(environment).toBe(identity.environment);
  });

  it('authenticates to Google by workload identity federation (no key) as its own identity, before Pulumi', () => {
    expect(wf.permissions).toMatchObject({ 'id-token': 'write' });
    const auth = stepIndex(job, 'authenticates to Google', uses('google-github-actions/auth'));
    expect(job.steps[auth]!.with).toEqual({ workload_identity_provider: identity.provider, service_account: identity.account });
    expect(auth).toBeLessThan(pulumi);
    // Never the other workflow's identity: a pull request must not reach the deployer.
    const other = file === 'preview.yml' ? IDENTITY['deploy.yml'] : IDENTITY['preview.yml'];
    const text = fs.readFileSync(path.join(REPO, '.github/workflows', file), 'utf8');
    expect(text).not.toContain(other.provider);
    expect(text).not.toContain(other.account);
  });

  it('guards with scripts/ensure-vtid.sh after npm ci (it needs the installed tsx) and before Google or Pulumi', () => {
    const install = stepIndex(job, 'runs npm ci', runs(/^npm ci\b/));
    const guard = stepIndex(job, 'runs scripts/ensure-vtid.sh', runs(/scripts\/ensure-vtid\.sh/));
    const auth = stepIndex(job, 'authenticates to Google', uses('google-github-actions/auth'));
    expect(install).toBeLessThan(guard);
    expect(guard).toBeLessThan(auth);
    expect(guard).toBeLessThan(pulumi);
  });
});

describe('PREVIEW', () => {
  const wf = workflow('preview.yml');

  it('runs on pull requests and comments the preview on the PR', () => {
    expect(Object.keys(wf.on)).toEqual(['pull_request']);
    expect(wf.permissions).toMatchObject({ 'pull-requests': 'write' });
    const pulumi = onlyJob(wf).steps.find(uses('pulumi/actions'))!;
    expect(pulumi.with).toMatchObject({ 'comment-on-pr': true });
  });

  it("hands a pull request's code no token that can manage webhooks", () => {
    const text = fs.readFileSync(path.join(REPO, '.github/workflows/preview.yml'), 'utf8');
    expect(text).not.toContain('WEBHOOK_ADMIN_TOKEN');
    const pulumi = onlyJob(wf).steps.find(uses('pulumi/actions'))!;
    expect(pulumi.env).not.toHaveProperty('GITHUB_TOKEN');
  });
});

describe('DEPLOY', () => {
  const wf = workflow('deploy.yml');
  const job = onlyJob(wf);

  it('runs on pushes to main only', () => {
    expect(wf.on).toEqual({ push: { branches: ['main'] } });
  });

  it("gives the github provider the production environment's webhook admin token as GITHUB_TOKEN", () => {
    const pulumi = job.steps.find(uses('pulumi/actions'))!;
    expect(pulumi.env).toMatchObject({ GITHUB_TOKEN: '${{ secrets.WEBHOOK_ADMIN_TOKEN }}' });
  });

  it('lets Docker push the image Pulumi builds to Artifact Registry, after Google auth and before pulumi up', () => {
    const auth = stepIndex(job, 'authenticates to Google', uses('google-github-actions/auth'));
    // The registry of the dev stack's region (Pulumi.dev.yaml), where infra/images.ts pushes.
    const stack = parse(fs.readFileSync(path.join(REPO, 'Pulumi.dev.yaml'), 'utf8')) as { config: Record<string, string> };
    const host = `${stack.config['vitana-oasis:region']}-docker.pkg.dev`;
    const docker = stepIndex(job, `configures Docker for ${host}`, (step) => step.run?.trim() === `gcloud auth configure-docker ${host} --quiet`);
    const pulumi = stepIndex(job, 'runs pulumi/actions', uses('pulumi/actions'));
    expect(auth).toBeLessThan(docker);
    expect(docker).toBeLessThan(pulumi);
  });
});
