import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnGateway, type GatewayProcess } from '../helpers/process.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';

/**
 * `npm run demo` as a new user runs it: a gateway in local mode (its secrets generated into its data
 * folder), then `npm run demo -- --fast` in a process of its own. What the console would show is
 * asserted through the query and agents APIs, and in Chromium, on a console opened before the story
 * starts (so its rows arrive over the live feed).
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

interface DemoRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runDemo(args: string[], env: Record<string, string>): Promise<DemoRun> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', 'demo', '--', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: npm, tsx and the demo go together if the story hangs.
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const killer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 50_000);
    child.once('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
  });
}

interface EventRow {
  id: number;
  vtid: string;
  source: string;
  kind: string;
  status: string;
  actor: string | null;
  metadata: Record<string, unknown>;
}

let gateway: GatewayProcess;
let dataDir: string;
let token: string;
let browser: Browser | undefined;
/** A Live Console opened before the story started. */
let page: Page | undefined;
let story: DemoRun;
let vtid: string;
let events: EventRow[];

async function get(path: string): Promise<Record<string, any>> {
  const response = await fetch(`${gateway.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  expect(response.status, path).toBe(200);
  return (await response.json()) as Record<string, any>;
}

/** A task's events, oldest first. */
async function eventsOf(id: string): Promise<EventRow[]> {
  const body = await get(`/api/v1/oasis/events?vtid=${id}&limit=200`);
  return (body.data as EventRow[]).reverse();
}

const stepLines = (stdout: string) => stdout.split('\n').filter((line) => /^\s*\d+ {2}/.test(line));

beforeAll(async () => {
  dataDir = join(tempDir('oasis-demo-'), 'pglite');
  // No secrets in the environment: the gateway generates them into its data folder, as `npm start` does.
  // The browser starts meanwhile; it is kept as soon as it runs, so afterAll closes it whatever fails.
  const launching = HAS_CHROMIUM ? chromium.launch({ executablePath: CHROMIUM, args: ARGS }).then((b) => (browser = b)) : Promise.resolve(undefined);
  gateway = await spawnGateway({ env: { OASIS_DATA_DIR: dataDir, SUPABASE_JWT_SECRET: '', GITHUB_WEBHOOK_SECRET: '' } });
  await launching;
  // The service-role token the banner prints, as a user copies it.
  token = /export GW=\S+ TOKEN=(\S+)/.exec(await gateway.waitForStderr(/export GW=\S+ TOKEN=\S+/))![1]!;
  if (browser) {
    page = await browser.newPage();
    await page.goto(`${gateway.url}/?access_token=${token}`);
    await page.waitForFunction(() => document.getElementById('badge')?.textContent === 'LIVE', null, { timeout: 15_000 });
  }
  story = await runDemo(['--fast', '--gateway', gateway.url], { OASIS_DATA_DIR: dataDir });
  vtid = /The story's task is (VTID-\d{4}-\d{4})\./.exec(story.stdout)?.[1] ?? `(no VTID in the output: ${story.stdout} ${story.stderr})`;
  events = await eventsOf(vtid).catch(() => []);
});

afterAll(async () => {
  await browser?.close();
  await gateway?.stop('SIGKILL');
  removeTempDirs();
});

describe('npm run demo', () => {
  it('plays every step into a gateway whose secrets are in its data folder: one line each, all accepted, exit 0', () => {
    expect(story.stderr).toBe('');
    expect(story.code).toBe(0);
    expect(story.stdout).toContain(`from ${dataDir}.secrets.json`);
    expect(vtid).toMatch(/^VTID-\d{4}-0001$/);
    const steps = stepLines(story.stdout);
    expect(steps).toHaveLength(24);
    expect(steps.every((line) => / (200|201) {2}/.test(line))).toBe(true);
    expect(story.stdout).toContain(`${gateway.url}/?vtid=${vtid}&access_token=`);
  });

  it('leaves what the console shows: the PR, CI failing then fixed, the merge, the deploy through the watcher, the agents, all under the VTID', async () => {
    // The whole story, in the order it happened, every event tagged with the task's VTID.
    expect(events.map((e) => `${e.source} ${e.kind} ${e.status}`)).toEqual([
      'vtid-ledger vtid.created queued',
      'agent.heartbeat agent.online in_progress',
      'vtid-ledger vtid.status_changed in_progress',
      'github pull_request in_progress',
      'github.actions workflow_run queued',
      'github.actions workflow_run in_progress',
      'github.actions workflow_run failure',
      'github pull_request in_progress',
      'github.actions workflow_run queued',
      'github.actions workflow_run in_progress',
      'github.actions workflow_run success',
      'github pull_request success',
      'github push success',
      'agent.heartbeat agent.idle info',
      'github.actions workflow_run queued',
      'agent.heartbeat agent.online in_progress',
      'github.actions workflow_run in_progress',
      'gcp.cloudrun deploy in_progress',
      'gcp.cloudrun deploy success',
      'github.actions workflow_run success',
      'agent.heartbeat agent.idle info',
      'vtid-ledger vtid.status_changed success',
    ]);
    // The PR: opened, the fix pushed, merged.
    const prs = events.filter((e) => e.kind === 'pull_request');
    expect(prs.map((e) => [e.metadata.action, e.metadata.merged])).toEqual([['opened', false], ['synchronize', false], ['closed', true]]);
    // CI: the first TEST run fails, the run on the fix passes, then DEPLOY on main; each queued -> in_progress -> completed.
    const runs = new Map<unknown, string[]>();
    for (const e of events.filter((e) => e.kind === 'workflow_run')) runs.set(e.metadata.runId, [...(runs.get(e.metadata.runId) ?? []), `${e.metadata.workflowName} ${e.status}`]);
    expect([...runs.values()]).toEqual([
      ['TEST queued', 'TEST in_progress', 'TEST failure'],
      ['TEST queued', 'TEST in_progress', 'TEST success'],
      ['DEPLOY queued', 'DEPLOY in_progress', 'DEPLOY success'],
    ]);
    // The deploy came through the watcher, from the Cloud Run audit log entries.
    const deploys = events.filter((e) => e.source === 'gcp.cloudrun');
    expect(deploys.map((e) => [e.metadata.log, e.metadata.service, e.actor])).toEqual([
      ['activity', 'vitana-gateway', 'deployer@vitana-dev.iam.gserviceaccount.com'],
      ['system_event', 'vitana-gateway', 'deployer@vitana-dev.iam.gserviceaccount.com'],
    ]);
    expect((await get(`/vtid/${vtid}`)).data).toMatchObject({ status: 'complete', assignedTo: 'demo-builder-1' });
    // Both agents beat on the task, finished it and shut down cleanly.
    expect(events.filter((e) => e.source === 'agent.heartbeat').map((e) => e.actor)).toEqual(['demo-builder-1', 'demo-builder-1', 'demo-deployer-1', 'demo-deployer-1']);
    expect((await get('/api/v1/agents')).data).toEqual([
      expect.objectContaining({ agent: 'demo-builder-1', status: 'stopped', vtid: 'IDLE' }),
      expect.objectContaining({ agent: 'demo-deployer-1', status: 'stopped', vtid: 'IDLE' }),
    ]);
  });

  it.skipIf(!HAS_CHROMIUM)(`fills a Live Console opened before the story, in Chromium${HAS_CHROMIUM ? '' : ` (SKIPPED: no Chromium at ${CHROMIUM}; set CHROMIUM_PATH)`}`, async () => {
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) await page!.locator(`#event-rows tr[data-id="${e.id}"]`).waitFor({ state: 'attached', timeout: 5_000 });
    const deploy = events.filter((e) => e.source === 'gcp.cloudrun').at(-1)!;
    const cells = await page!
      .locator(`#event-rows tr[data-id="${deploy.id}"]`)
      .evaluate((tr) => Object.fromEntries(Array.from(tr.querySelectorAll('td')).map((td) => [(td as HTMLElement).dataset.label, td.textContent ?? ''])));
    expect(cells).toMatchObject({ VTID: vtid, Source: 'gcp.cloudrun', Kind: 'deploy', Status: 'success' });
    // The agents panel polls every 10 s; a reload shows it at once.
    await page!.reload();
    await page!.locator('#agent-rows tr').nth(1).waitFor({ timeout: 10_000 });
    expect(await page!.locator('#agent-rows').textContent()).toMatch(/demo-builder-1.*stopped.*demo-deployer-1.*stopped/);
  });

  it('takes a secret from the environment over the data folder, and exits 1 at the first step the gateway refuses', async () => {
    // The JWT secret comes from the gateway's file; the webhook secret set in the environment wins over the file's.
    const run = await runDemo(['--fast', '--gateway', gateway.url], { OASIS_DATA_DIR: dataDir, GITHUB_WEBHOOK_SECRET: 'not-the-gateway-secret' });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`SUPABASE_JWT_SECRET from ${dataDir}.secrets.json`);
    // The ledger and the heartbeat took the file's JWT secret; the pull request was signed with the environment's.
    const steps = stepLines(run.stdout);
    expect(steps).toHaveLength(4);
    expect(steps[3]).toMatch(/pull_request opened .* 401 {2}signature_invalid/);
    expect(run.stderr).toContain('stopped at step 4');
    expect(run.stderr).toContain('GITHUB_WEBHOOK_SECRET');
    const refusedTask = /(VTID-\d{4}-\d{4}) is pending/.exec(run.stdout)![1]!;
    expect((await eventsOf(refusedTask)).map((e) => e.kind)).not.toContain('pull_request');
  });
});
