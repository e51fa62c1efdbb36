import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnGateway } from '../helpers/process.js';
import { startLoggingServer, type LocalLoggingServer } from '../../scripts/demo/cloud-logging-server.js';
import { json, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { stopWithIdleConnection } from '../helpers/idle-connection.js';

/**
 * The watcher as its own OS process, started the way `npm run start:watcher` does
 * (node --import tsx runtime/watcher/server.ts): config from the environment, a real poll, SIGTERM.
 */

const ENTRY = 'runtime/watcher/server.ts';

let logging: LocalLoggingServer;
let gateway: TestGateway;

beforeAll(async () => {
  [logging, gateway] = await Promise.all([startLoggingServer(), startTestGateway()]);
});

afterAll(async () => {
  await Promise.all([logging.close(), gateway.close()]);
});

const watcherEnv = (extra: Record<string, string> = {}) => ({
  GOOGLE_CLOUD_PROJECT: 'vitana-dev',
  GATEWAY_URL: gateway.url,
  SUPABASE_SERVICE_ROLE: gateway.serviceToken,
  CLOUD_LOGGING_ENDPOINT: logging.endpoint,
  ...extra,
});

describe('watcher process', () => {
  it('starts, answers /healthz, polls, and exits 0 on SIGTERM', async () => {
    const watcher = await spawnGateway({ entry: ENTRY, env: watcherEnv() });
    try {
      const health = await fetch(`${watcher.url}/healthz`);
      expect(await health.json()).toEqual({ ok: true, service: 'deploy-watcher' });

      const poll = await fetch(`${watcher.url}/poll`, { method: 'POST' });
      expect(poll.status).toBe(200);
      const body = await json(poll);
      expect(body).toMatchObject({ ok: true, scanned: 0, published: 0, pages: 1, truncated: false });
      // First run: the default one-hour lookback, ending now.
      expect(Date.parse(body.to) - Date.parse(body.from)).toBe(60 * 60_000);
      expect(logging.requests.at(-1)).toMatchObject({ orderBy: 'timestamp asc', pageSize: 1000, resourceNames: ['projects/vitana-dev'] });

      const listening = watcher.logs.find((line) => line.message === 'watcher listening');
      expect(listening).toMatchObject({ severity: 'INFO', service: 'vitana-deploy-watcher', project: 'vitana-dev' });
      expect(JSON.stringify(watcher.logs)).not.toContain(gateway.serviceToken);
    } finally {
      expect(await watcher.stop('SIGTERM')).toBe(0);
    }
    expect(watcher.logs.map((line) => line.message)).toContain('deploy watcher stopped');
  });

  it('SIGTERM with a pre-opened idle connection: closes it and exits at once, not when the grace ends', async () => {
    const watcher = await spawnGateway({ entry: ENTRY, env: watcherEnv({ SHUTDOWN_GRACE_MS: '20000' }) });
    try {
      const took = await stopWithIdleConnection(watcher.url, async () => {
        watcher.child.kill('SIGTERM');
        expect(await watcher.exited).toBe(0);
      });
      expect(took).toBeLessThan(5_000);
      expect(watcher.logs.filter((line) => String(line.message).startsWith('grace period')).map((line) => line.message)).toEqual([]);
    } finally {
      await watcher.stop('SIGKILL');
    }
  }, 40_000);

  it('refuses to start on a bad setting: one CRITICAL line naming it, exit 1', async () => {
    const error = await spawnGateway({
      entry: ENTRY,
      env: { GATEWAY_URL: 'not a url', SUPABASE_SERVICE_ROLE: 'x' },
    }).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toMatch(/exited \(1\) before listening/);
    expect(message).toContain('"severity":"CRITICAL"');
    expect(message).toContain('GOOGLE_CLOUD_PROJECT is required');
    expect(message).toContain('GATEWAY_URL must be an http(s) URL');
  });
});
