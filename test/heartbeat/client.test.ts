import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startHeartbeat, type BeatReport, type HeartbeatError, type HeartbeatHandle, type HeartbeatOptions } from '@vitana/agent-heartbeat';
import { contractFetch } from '../helpers/contract.js';
import { BACKENDS } from '../helpers/db.js';
import { json, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startSwitchableProxy } from '../helpers/switchable-proxy.js';
import { signToken } from '../helpers/tokens.js';

/**
 * The heartbeat client against a real gateway over real HTTP. The client's timers (and Date) are
 * vitest fake timers, advanced by hand; its requests are real I/O, so every step advances time and
 * then waits for the real beat to come back. The gateway was started before the fake timers, so its
 * own offline detector runs on real timers, and its clock is the (fake) Date plus a skew the offline
 * test moves: the gateway's time jumps while the agent's timers stand still, i.e. the agent is silent.
 */

// Captured before any test installs fake timers: the waits below must run in real time.
const realSetTimeout = globalThis.setTimeout;
const realSleep = (ms: number) => new Promise<void>((resolve) => realSetTimeout(resolve, ms));
const FAKE = { toFake: ['setTimeout', 'setInterval', 'clearTimeout', 'clearInterval', 'Date'] as const };
const INTERVAL = 1_000;

/** Collects what the client reports and wakes waiters as it arrives. */
class Recorder {
  readonly reports: BeatReport[] = [];
  readonly errors: HeartbeatError[] = [];
  private waiters: Array<() => void> = [];
  readonly onBeat = (report: BeatReport) => this.push(() => this.reports.push(report));
  readonly onError = (error: HeartbeatError) => this.push(() => this.errors.push(error));

  private push(add: () => void) {
    add();
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  async until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!condition()) {
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        realSetTimeout(resolve, Math.min(left, 100));
      });
    }
  }

  beats(n: number) {
    return this.until(() => this.reports.length >= n, `${n} beats (have ${this.reports.length})`);
  }

  failures(n: number) {
    return this.until(() => this.errors.length >= n, `${n} errors (have ${this.errors.length})`);
  }
}

async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await realSleep(20);
  }
}

describe.each(BACKENDS)('heartbeat client against a real gateway on %s', (backend) => {
  let gw: TestGateway;
  let agentToken: string;
  let skewMs = 0;
  let handles: HeartbeatHandle[] = [];

  beforeAll(async () => {
    gw = await startTestGateway({ backend, clock: () => new Date(Date.now() + skewMs), env: { AGENT_OFFLINE_CHECK_MS: '100' } });
    // Long-lived: fake time must not expire it.
    agentToken = await signToken({ role: 'service_role', sub: 'test-agent', exp: Math.floor(Date.now() / 1000) + 30 * 24 * 3600 });
  });
  afterAll(() => gw.close());

  const start = (recorder: Recorder, options: Partial<HeartbeatOptions> & { agent: string }): HeartbeatHandle => {
    const handle = startHeartbeat({
      gatewayUrl: gw.url,
      token: agentToken,
      intervalMs: INTERVAL,
      onBeat: recorder.onBeat,
      onError: recorder.onError,
      // The client's real requests are checked against the OpenAPI spec as well.
      fetch: contractFetch,
      ...options,
    });
    handles.push(handle);
    return handle;
  };

  const agentRow = async (agent: string) =>
    (await gw.db.query<{ status: string; vtid: string; last_seen: Date; interval_ms: number }>('select status, vtid, last_seen, interval_ms from oasis_agents where agent = $1', [agent])).rows[0];
  const agentEvents = async (agent: string) =>
    (await gw.db.query<{ kind: string; vtid: string }>(`select kind, vtid from oasis_events where source = 'agent.heartbeat' and actor = $1 order by id`, [agent])).rows.map(
      (e) => [e.kind, e.vtid],
    );
  const eventCount = async () => (await gw.db.query<{ n: number }>('select count(*)::int as n from oasis_events')).rows[0]!.n;

  describe('with fake timers', () => {
    beforeEach(() => {
      vi.useFakeTimers({ toFake: [...FAKE.toFake] });
    });
    afterEach(async () => {
      // With the gateway up these resolve at once; a test that failed mid-outage must not hang the rest.
      await Promise.race([Promise.all(handles.map((handle) => handle.stop())), realSleep(5_000)]);
      handles = [];
      vi.useRealTimers();
    });

    it('beats at once, reporting IDLE, then once per interval (not earlier)', async () => {
      const rec = new Recorder();
      start(rec, { agent: 'hb-basic' });
      await rec.beats(1); // no timer advanced: the first beat goes out immediately
      expect(rec.reports[0]).toMatchObject({ agent: 'hb-basic', vtid: 'IDLE', status: 'idle', eventId: expect.any(Number) });
      expect(await agentRow('hb-basic')).toMatchObject({ status: 'idle', vtid: 'IDLE', interval_ms: INTERVAL });

      await vi.advanceTimersByTimeAsync(INTERVAL - 1);
      await realSleep(50);
      expect(rec.reports).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1);
      await rec.beats(2);
      expect(Date.parse(rec.reports[1]!.lastSeen) - Date.parse(rec.reports[0]!.lastSeen)).toBe(INTERVAL);
      expect(rec.reports[1]!.eventId).toBeNull();
      expect(rec.errors).toEqual([]);
      expect(await agentEvents('hb-basic')).toEqual([['agent.online', 'UNSET']]);
    });

    it('sends a task switch at once, nothing for the same task, and goes idle on null', async () => {
      const rec = new Recorder();
      const hb = start(rec, { agent: 'hb-switch' });
      await rec.beats(1);

      hb.setVtid('vtid-2026-0901');
      expect(hb.vtid).toBe('VTID-2026-0901');
      await rec.beats(2); // without advancing time
      expect(rec.reports[1]).toMatchObject({ vtid: 'VTID-2026-0901', status: 'online', eventId: expect.any(Number) });

      hb.setVtid('VTID-2026-0901');
      await realSleep(100);
      expect(rec.reports).toHaveLength(2);

      // Two switches in a row: the second waits for the first to land, then goes out too.
      hb.setVtid('VTID-2026-0902');
      hb.setVtid('DEV-CICDL-0031');
      await rec.beats(4);
      expect(rec.reports[3]).toMatchObject({ vtid: 'DEV-CICDL-0031', status: 'online' });

      hb.setVtid(null);
      await rec.beats(5);
      expect(rec.reports[4]).toMatchObject({ vtid: 'IDLE', status: 'idle' });

      // The regular schedule continues from the last beat.
      await vi.advanceTimersByTimeAsync(INTERVAL);
      await rec.beats(6);
      expect(rec.reports[5]!.eventId).toBeNull();
      expect(await agentEvents('hb-switch')).toEqual([
        ['agent.online', 'UNSET'],
        ['agent.task_changed', 'VTID-2026-0901'],
        ['agent.task_changed', 'VTID-2026-0902'],
        ['agent.task_changed', 'DEV-CICDL-0031'],
        ['agent.idle', 'DEV-CICDL-0031'],
      ]);
    });

    it('coalesces: 60 idle beats add no event rows and only move lastSeen', async () => {
      const rec = new Recorder();
      start(rec, { agent: 'hb-idle-60' });
      await rec.beats(1);
      const before = await eventCount();
      for (let i = 1; i <= 60; i++) {
        await vi.advanceTimersByTimeAsync(INTERVAL);
        await rec.beats(1 + i);
      }
      expect(await eventCount()).toBe(before);
      expect(rec.reports.slice(1).every((r) => r.eventId === null && r.status === 'idle')).toBe(true);
      const row = await agentRow('hb-idle-60');
      expect(new Date(row!.last_seen).getTime() - Date.parse(rec.reports[0]!.lastSeen)).toBe(60 * INTERVAL);
      expect(await agentEvents('hb-idle-60')).toEqual([['agent.online', 'UNSET']]);
    });

    it('an agent silent for three intervals is reported offline once, and online again when it beats', async () => {
      const rec = new Recorder();
      start(rec, { agent: 'hb-offline', vtid: 'VTID-2026-0911' });
      await rec.beats(1);

      skewMs += 3 * INTERVAL + 1; // the gateway's clock moves on; the agent's timers do not
      await eventually(async () => (await agentRow('hb-offline'))?.status === 'offline', 'offline');
      await realSleep(300); // more detector passes write nothing more
      expect(await agentEvents('hb-offline')).toEqual([
        ['agent.online', 'VTID-2026-0911'],
        ['agent.offline', 'VTID-2026-0911'],
      ]);
      const panel = (await json(await gw.request('/api/v1/agents'))).data;
      expect(panel.find((a: { agent: string }) => a.agent === 'hb-offline')).toMatchObject({ status: 'offline', vtid: 'VTID-2026-0911' });

      await vi.advanceTimersByTimeAsync(INTERVAL);
      await rec.beats(2);
      expect(rec.reports[1]).toMatchObject({ status: 'online', vtid: 'VTID-2026-0911', eventId: expect.any(Number) });
      expect((await agentEvents('hb-offline')).map(([kind]) => kind)).toEqual(['agent.online', 'agent.offline', 'agent.online']);
    });

    it('stop() sends a final beat saying the agent stopped, and nothing follows', async () => {
      const rec = new Recorder();
      let requests = 0;
      const countingFetch: typeof fetch = (input, init) => {
        requests += 1;
        return contractFetch(input, init);
      };
      const hb = start(rec, { agent: 'hb-stop', vtid: 'VTID-2026-0921', fetch: countingFetch });
      await rec.beats(1);

      const stopping = hb.stop();
      expect(hb.stop()).toBe(stopping);
      await stopping;
      expect(rec.reports.at(-1)).toMatchObject({ status: 'stopped', vtid: 'VTID-2026-0921', eventId: expect.any(Number) });
      expect(await agentRow('hb-stop')).toMatchObject({ status: 'stopped', vtid: 'VTID-2026-0921' });

      const sent = requests;
      hb.setVtid('VTID-2026-0922');
      await vi.advanceTimersByTimeAsync(20 * INTERVAL);
      skewMs += 20 * INTERVAL; // and a stopped agent is never reported offline
      await realSleep(300);
      expect(requests).toBe(sent);
      expect(await agentRow('hb-stop')).toMatchObject({ status: 'stopped' });
      expect(await agentEvents('hb-stop')).toEqual([
        ['agent.online', 'VTID-2026-0921'],
        ['agent.stopped', 'VTID-2026-0921'],
      ]);
    });

    it('stop() right after a task switch lets the switch land first', async () => {
      const rec = new Recorder();
      const hb = start(rec, { agent: 'hb-stop-order' });
      await rec.beats(1);
      hb.setVtid('VTID-2026-0923');
      await hb.stop();
      expect(await agentRow('hb-stop-order')).toMatchObject({ status: 'stopped', vtid: 'VTID-2026-0923' });
      expect((await agentEvents('hb-stop-order')).map(([kind]) => kind)).toEqual(['agent.online', 'agent.task_changed', 'agent.stopped']);
    });

    it('the gateway down for a while: retries with back-off, never throws, recovers, and stop() gives up quietly', async () => {
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown) => unhandled.push(reason);
      process.on('unhandledRejection', onUnhandled);
      const proxy = await startSwitchableProxy(gw.handle.port);
      try {
        await proxy.down(); // down before the agent starts
        const rec = new Recorder();
        const interval = 10_000;
        const hb = start(rec, { agent: 'hb-outage', gatewayUrl: proxy.url, intervalMs: interval });

        await rec.failures(1);
        for (let n = 2; n <= 6; n++) {
          await vi.advanceTimersByTimeAsync(rec.errors.at(-1)!.details.retryInMs!);
          await rec.failures(n);
        }
        expect(rec.errors.every((e) => e.kind === 'network' && e.details.status === null && !e.details.stopping)).toBe(true);
        expect(rec.errors.map((e) => e.details.consecutiveFailures)).toEqual([1, 2, 3, 4, 5, 6]);
        // Doubling from 1 s with jitter (half to all of it), capped at the interval.
        rec.errors.forEach((error, i) => {
          const cap = Math.min(interval, 1_000 * 2 ** i);
          expect(error.details.retryInMs).toBeGreaterThanOrEqual(cap / 2);
          expect(error.details.retryInMs).toBeLessThanOrEqual(cap);
        });
        expect(rec.reports).toEqual([]);
        expect(await agentRow('hb-outage')).toBeUndefined();

        await proxy.up();
        await vi.advanceTimersByTimeAsync(rec.errors.at(-1)!.details.retryInMs!);
        await rec.beats(1);
        expect(rec.reports[0]).toMatchObject({ status: 'idle', eventId: expect.any(Number) });
        await vi.advanceTimersByTimeAsync(interval); // back on the regular schedule
        await rec.beats(2);

        // An outage in mid-life; a task switch during it is kept and delivered on recovery.
        await proxy.down();
        await vi.advanceTimersByTimeAsync(interval);
        await rec.failures(7);
        expect(rec.errors[6]!.details.consecutiveFailures).toBe(1); // the count restarted after recovering
        hb.setVtid('VTID-2026-0931');
        await rec.failures(8);
        await proxy.up();
        await vi.advanceTimersByTimeAsync(rec.errors.at(-1)!.details.retryInMs!);
        await rec.beats(3);
        expect(rec.reports[2]).toMatchObject({ status: 'online', vtid: 'VTID-2026-0931' });
        expect(await agentEvents('hb-outage')).toEqual([
          ['agent.online', 'UNSET'],
          ['agent.task_changed', 'VTID-2026-0931'],
        ]);

        // Stopping while the gateway is down: retried within stopTimeoutMs (5 s), then given up.
        await proxy.down();
        const errorsBefore = rec.errors.length;
        const startedAt = Date.now();
        let settled = false;
        const stopping = hb.stop().then(() => {
          settled = true;
        });
        // Count errors handled rather than errors seen: a failure may land while time is advanced.
        let handled = errorsBefore;
        while (!settled) {
          await rec.until(() => settled || rec.errors.length > handled, 'a failed final beat');
          if (settled) break;
          handled = rec.errors.length;
          const retry = rec.errors.at(-1)!.details.retryInMs;
          if (retry !== null) await vi.advanceTimersByTimeAsync(retry);
        }
        await stopping;
        const finalErrors = rec.errors.slice(errorsBefore);
        expect(finalErrors.length).toBeGreaterThanOrEqual(2);
        expect(finalErrors.every((e) => e.details.stopping && e.kind === 'network')).toBe(true);
        expect(finalErrors.at(-1)!.details.retryInMs).toBeNull();
        expect(Date.now() - startedAt).toBeLessThanOrEqual(5_000);
        expect((await agentRow('hb-outage'))!.status).toBe('online');
        expect(unhandled).toEqual([]);
      } finally {
        process.off('unhandledRejection', onUnhandled);
        await proxy.down();
      }
    });

    it('a refused beat (bad token) is reported, not thrown, retried at the interval; the token is never in the error', async () => {
      const rec = new Recorder();
      const badToken = 'not-a-jwt-secret-looking-token';
      const hb = start(rec, { agent: 'hb-refused', token: badToken });
      await rec.failures(1);
      expect(rec.errors[0]).toMatchObject({ kind: 'rejected', details: { status: 401, code: 'invalid_token', retryInMs: INTERVAL } });
      await vi.advanceTimersByTimeAsync(INTERVAL);
      await rec.failures(2);
      await hb.stop(); // refused too: given up at once, without waiting
      expect(rec.errors.at(-1)).toMatchObject({ kind: 'rejected', details: { stopping: true, retryInMs: null } });
      for (const error of rec.errors) expect(JSON.stringify({ message: error.message, ...error.details })).not.toContain(badToken);
      expect(await agentRow('hb-refused')).toBeUndefined();
    });
  });

  it('never keeps its host process alive (timers are unref’d)', async () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    // Node itself with tsx's loader, not the tsx wrapper: a kill must reach the host, not orphan it.
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/heartbeat/host.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, AGENT: 'hb-process', GATEWAY_URL: gw.url, AGENT_TOKEN: agentToken, AGENT_VTID: 'VTID-2026-0941' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exit = await new Promise<number | null>((resolve, reject) => {
      const killer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`the host did not exit by itself; output: ${out}`));
      }, 20_000);
      child.once('exit', (code) => {
        clearTimeout(killer);
        resolve(code);
      });
    });
    expect(exit).toBe(0);
    const lines = out.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ beat: { agent: 'hb-process', status: 'online', vtid: 'VTID-2026-0941' } });
    expect(lines.at(-1)).toEqual({ exit: 'VTID-2026-0941' });
    expect(await agentRow('hb-process')).toMatchObject({ status: 'online' });
  });
});
