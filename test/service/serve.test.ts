import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../runtime/core/log.js';
import { serve, type ShutdownHooks } from '../../runtime/service/serve.js';

/**
 * serve()'s stop on a real server over loopback: in-flight requests finish within the grace, what
 * outlasts it is cut, and a hook that hangs cannot hold the stop past the grace.
 */

/** An app whose /slow answers only when `finish()` is called (or never). */
function slowApp() {
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const app = new Hono();
  app.get('/slow', async (c) => {
    await finished;
    return c.json({ ok: true });
  });
  return { app, finish };
}

async function served(app: Hono, grace: { graceMs: number; reserveMs?: number }, hooks?: ShutdownHooks) {
  const logger = createMemoryLogger();
  const server = await serve(app, { port: 0, hostname: '127.0.0.1', ...grace, logger, ...(hooks ? { hooks } : {}) });
  const inFlight = async () => {
    const request = fetch(`${server.url}/slow`).then(
      (response) => response.status,
      () => 'cut' as const,
    );
    // The request is being answered before the stop begins.
    await new Promise((resolve) => setTimeout(resolve, 100));
    return { answer: request };
  };
  return { server, logger, inFlight, messages: () => logger.lines.map((line) => line.message) };
}

describe('serve: the stop', () => {
  it('lets an in-flight request finish within the grace, then releases', async () => {
    const { app, finish } = slowApp();
    const released: string[] = [];
    const { server, inFlight, messages } = await served(app, { graceMs: 5_000 }, { release: { what: 'the test resource', run: async () => void released.push('released') } });
    const { answer } = await inFlight();
    const stopping = server.shutdown();
    setTimeout(finish, 200);
    await stopping;
    expect(await answer).toBe(200);
    expect(released).toEqual(['released']);
    expect(messages()).toEqual(['shutting down: no new connections, finishing in-flight requests', 'shutdown complete']);
    // Called again: the same stop.
    expect(server.shutdown()).toBe(stopping);
  });

  it('cuts a request that outlasts the grace, and stops on time', async () => {
    const { app } = slowApp();
    const { server, inFlight, messages } = await served(app, { graceMs: 400 });
    const { answer } = await inFlight();
    const started = Date.now();
    await server.shutdown();
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(await answer).toBe('cut');
    expect(messages()).toContain('grace period over: closing remaining connections');
  });

  it('with a reserve: ends the work still in flight first, and a release that hangs does not hold the stop', async () => {
    const { app, finish } = slowApp();
    const steps: string[] = [];
    const hooks: ShutdownHooks = {
      beforeClose: () => steps.push('beforeClose'),
      drain: async () => void steps.push('drain'),
      endInFlight: {
        action: 'ending the test work',
        run: async (budgetMs) => {
          steps.push(`endInFlight within ${budgetMs} ms`);
          finish();
        },
      },
      release: { what: 'the test resource', run: () => new Promise<void>(() => {}) },
    };
    // A quarter of the grace at most: 500 ms kept back, half of it for endInFlight.
    const { server, inFlight, messages } = await served(app, { graceMs: 2_000, reserveMs: 1_500 }, hooks);
    const { answer } = await inFlight();
    const started = Date.now();
    await server.shutdown();
    // The grace (2 s) bounds it all, the hung release included.
    expect(Date.now() - started).toBeLessThan(2_600);
    expect(steps).toEqual(['beforeClose', 'drain', 'endInFlight within 250 ms']);
    // Its work ended, the request was answered before the connections were cut.
    expect(await answer).toBe(200);
    expect(messages()).toEqual([
      'shutting down: no new connections, finishing in-flight requests',
      'grace period nearly over: ending the test work, then closing the remaining connections',
      'the test resource did not close within the grace period; stopping anyway',
      'shutdown complete',
    ]);
  });
});
