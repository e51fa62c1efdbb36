import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { githubFixture, postWebhook } from '../helpers/github.js';
import { deliverRun } from '../helpers/workflow-runs.js';

/**
 * The task timeline, the wall board and the Live Console's fixes in a real browser (Debian's
 * Chromium via playwright-core) against a real gateway on loopback. Screenshots of the new views go
 * to docs/ when missing or with UPDATE_CONSOLE_SCREENSHOT=1 (always to test-artifacts/).
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const DOCS = fileURLToPath(new URL('../../docs/', import.meta.url));
const FAMILY = 'DEV-CICDL-0031';

async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
  if (!existsSync(`${DOCS}${name}.png`) || process.env.UPDATE_CONSOLE_SCREENSHOT === '1') await page.screenshot({ path: `${DOCS}${name}.png`, fullPage: true });
}

async function ingest(gw: TestGateway, body: Record<string, unknown>): Promise<number> {
  const res = await gw.request('/events/ingest', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== 201) throw new Error(`ingest: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: number }).id;
}

async function webhook(gw: TestGateway, fixture: string): Promise<number> {
  const res = await postWebhook(gw.url, githubFixture(fixture));
  if (res.status !== 200) throw new Error(`webhook: ${res.status}`);
  return ((await res.json()) as { id: number }).id;
}

async function heartbeat(gw: TestGateway, agent: string, vtid: string): Promise<void> {
  const res = await gw.request('/api/v1/agents/heartbeat', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ agent, vtid, intervalMs: 60_000 }) });
  if (res.status !== 200) throw new Error(`heartbeat: ${res.status}`);
}

const deploy = (gw: TestGateway, service: string, revision: string, status: string, vtid = FAMILY) =>
  ingest(gw, {
    source: 'gcp.cloudrun',
    kind: 'deploy',
    status,
    vtid,
    title: `Deploy ${service} rev ${revision}: ${status}`,
    url: `https://console.cloud.google.com/run/detail/us-central1/${service}/revisions?project=vitana-dev`,
    metadata: { service, revision, log: status === 'in_progress' ? 'activity' : 'system_event' },
  });

const waitForBadge = (page: Page, text: 'LIVE' | 'OFFLINE', timeout = 15_000) =>
  page.waitForFunction((expected) => document.getElementById('badge')?.textContent === expected, text, { timeout });

describe.skipIf(!HAS_CHROMIUM)(HAS_CHROMIUM ? 'Timeline, board and console fixes in headless Chromium' : `Timeline, board and console (SKIPPED: no Chromium at ${CHROMIUM})`, () => {
  let browser: Browser;
  let gw: TestGateway;
  beforeAll(async () => {
    [browser, gw] = await Promise.all([chromium.launch({ executablePath: CHROMIUM, args: ARGS }), startTestGateway()]);
    for (const fixture of ['pull_request.opened', 'workflow_run.in_progress', 'workflow_run.completed', 'pull_request.closed-merged', 'push.main']) await webhook(gw, fixture);
    await deploy(gw, 'gateway', 'gateway-00012-abc', 'in_progress');
    await deploy(gw, 'gateway', 'gateway-00012-abc', 'success');
    await heartbeat(gw, 'builder-1', FAMILY);
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  it('console: descriptive links, dated times, repo/branch/actor, distinct queued colour, full width, agents from the feed; a VTID opens its live timeline', async () => {
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, colorScheme: 'light' });
    const page = await context.newPage();
    let agentReads = 0;
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/api/v1/agents') agentReads += 1;
    });
    await ingest(gw, { source: 'agent.builder', kind: 'task.queued', status: 'queued', vtid: 'VTID-2026-0042', title: 'waiting' });
    await page.goto(`${gw.url}/?access_token=${gw.serviceToken}`);
    await waitForBadge(page, 'LIVE');
    await page.locator('#agent-rows tr[data-agent="builder-1"]').waitFor();

    const linkTexts = await page.locator('#event-rows td[data-label="Link"] a').allTextContents();
    expect(linkTexts).toEqual(expect.arrayContaining(['vitana-platform/vitana-oasis#57', 'TEST run #214', 'Cloud Run gateway revision gateway-00012-abc']));
    expect(linkTexts.filter((text) => text === 'github.com')).toEqual([]);
    const prRow = page.locator('#event-rows tr', { has: page.locator('a', { hasText: 'vitana-platform/vitana-oasis#57' }) }).first();
    const cells = await prRow.evaluate((tr) => Object.fromEntries(Array.from(tr.querySelectorAll('td')).map((td) => [(td as HTMLElement).dataset.label, td.textContent])));
    expect(cells.Time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(cells).toMatchObject({ Repo: 'vitana-platform/vitana-oasis', Branch: 'vt/dev-cicdl-0031-phase2' });
    expect(cells.Actor).not.toBe('\u2014');
    const colour = (selector: string) => page.locator(selector).first().evaluate((el) => getComputedStyle(el).color);
    expect(await colour('#event-rows .status-queued')).not.toBe(await colour('#event-rows .status-in_progress'));
    // No width cap: the events table uses a 1080p screen's whole width.
    expect(await page.locator('#events').evaluate((el) => el.getBoundingClientRect().width)).toBeGreaterThan(1800);

    // The agents panel follows the live feed: a task change shows without another read of the registry.
    const readsAtLoad = agentReads;
    await heartbeat(gw, 'builder-1', 'VTID-2026-0042');
    await page.locator('#agent-rows tr[data-agent="builder-1"] td[data-label="Task"]', { hasText: 'VTID-2026-0042' }).waitFor({ timeout: 5_000 });
    expect(agentReads).toBe(readsAtLoad);
    await screenshot(page, 'console');

    // Click a VTID: its timeline, with phases and a bar per step.
    await page.locator('#event-rows a.vtid-link', { hasText: FAMILY }).first().click();
    await page.waitForURL(/\/console\/timeline\?vtid=DEV-CICDL-0031$/);
    await page.locator('section.phase[data-phase="ci"] [data-step-id="run:13458021977:1"]').waitFor();
    expect(await page.locator('section.phase').evaluateAll((sections) => sections.map((s) => (s as HTMLElement).dataset.phase))).toEqual(['change', 'ci', 'deploy', 'agents']);
    expect(await page.locator('section.phase[data-phase="ci"] .duration').first().textContent()).toBe('3 min 38 s');
    expect(await page.locator('section.phase svg.bar rect').count()).toBeGreaterThanOrEqual(4);
    expect(await page.locator('[data-step-id="run:13458021977:1"] a').textContent()).toBe('TEST run #214');
    await waitForBadge(page, 'LIVE');

    // Live: a new rollout of the task appears in place, without a reload.
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
    await deploy(gw, 'worker', 'worker-00003-xyz', 'failure');
    await page.locator('[data-step-id="cloudrun:worker:worker-00003-xyz"]').waitFor({ timeout: 5_000 });
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    await screenshot(page, 'timeline');
    await context.close();
  });

  it('board: a new event changes it without reload, filters survive a reload', async () => {
    await deliverRun(gw.url, 40, 'success', 'E2E');
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, colorScheme: 'light' });
    const page = await context.newPage();
    await page.goto(`${gw.url}/console/board?access_token=${gw.serviceToken}`);
    await waitForBadge(page, 'LIVE');
    const e2e = page.locator('#workflow-rows tr[data-row="vitana-platform/vitana-oasis E2E"]');
    await e2e.waitFor();
    expect(await e2e.getAttribute('data-status')).toBe('success');
    await page.locator('#keys .key[data-key="deployment-frequency"] svg.spark polyline').waitFor({ state: 'attached' });

    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
    await deliverRun(gw.url, 41, 'failure', 'E2E');
    await page.waitForFunction(() => document.querySelector('#workflow-rows tr[data-row="vitana-platform/vitana-oasis E2E"]')?.classList.contains('red'), undefined, { timeout: 5_000 });
    expect(await e2e.getAttribute('data-status')).toBe('failure');
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    await screenshot(page, 'board');

    await page.selectOption('#f-status', 'failure');
    await page.fill('#f-repo', 'vitana-platform/vitana-oasis');
    await page.click('#filters button[type="submit"]');
    await page.waitForURL(/status=failure/);
    await page.reload();
    await waitForBadge(page, 'LIVE');
    expect(await page.inputValue('#f-status')).toBe('failure');
    expect(await page.inputValue('#f-repo')).toBe('vitana-platform/vitana-oasis');
    await page.locator('#workflow-rows tr').first().waitFor();
    expect(await page.locator('#workflow-rows tr').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.row))).toEqual(['vitana-platform/vitana-oasis E2E']);
    expect(await page.locator('#service-rows tr').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.row))).toEqual(['worker']);
    await context.close();
  });

  it('console: OFFLINE is unmistakable: a banner saying since when, and the stale data dimmed', async () => {
    const own = await startTestGateway();
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${own.url}/?access_token=${own.serviceToken}`);
    await waitForBadge(page, 'LIVE');
    expect(await page.locator('#events').evaluate((el) => getComputedStyle(el).opacity)).toBe('1');
    await own.close();
    await waitForBadge(page, 'OFFLINE');
    expect(await page.locator('#stale-banner').textContent()).toMatch(/^OFFLINE since \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/);
    await page.waitForFunction(() => Number(getComputedStyle(document.getElementById('events')!).opacity) < 0.5);
    await context.close();
  });
});
