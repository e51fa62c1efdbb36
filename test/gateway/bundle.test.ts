import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, startTestGateway } from '../helpers/gateway.js';
import { createPgDatabaseUrl, HAS_PG } from '../helpers/db.js';
import { startFakeGithub } from '../helpers/github-rest-server.js';
import { startLoggingServer } from '../../scripts/demo/cloud-logging-server.js';
import { spawnGateway, type GatewayProcess } from '../helpers/process.js';
import { serviceToken, TEST_WEBHOOK_SECRET } from '../helpers/tokens.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';
import { variant } from '../watcher/fixtures.js';
import { execForm, layOutStage, stageEnv, stageUser, type LaidOutStage } from '../helpers/image.js';

/**
 * The container runs `node dist/gateway.js` / `dist/watcher.js` / `dist/reconciler.js` (runtime/Dockerfile). With no
 * Docker engine here, this proves the same artefacts: build them from what the build stage copies, run
 * them with plain node in the runtime stage's layout, ask health.
 */
/** The build stage, carried out (its bundles built from only what it copies), and the runtime stage on top. */
let build: LaidOutStage;
let image: LaidOutStage;
const assembleImage = () => image.dir;

/** The user the image test switches to may not reach this checkout's Node (a private home folder): a copy it can run. */
function nodeReachableByAnyone(): string {
  const dir = tempDir('oasis-node-');
  chmodSync(dir, 0o755);
  copyFileSync(process.execPath, join(dir, 'node'));
  return join(dir, 'node');
}

// The folders go after every process that used them has stopped (those stop in afterEach/afterAll).
afterAll(removeTempDirs);
describe('bundled services', () => {
  const running: GatewayProcess[] = [];
  let buildOutput = '';
  beforeAll(() => {
    // In the build stage's layout: a bundle that imports a file the stage does not copy fails here.
    build = layOutStage('build', { fullInstall: 'link' });
    buildOutput = build.output;
    // The runtime stage installs its production dependencies itself (npm ci --omit=dev, offline from
    // this machine's cache): a package the bundles keep external but the image leaves out fails here.
    image = layOutStage('runtime', { from: { build }, fullInstall: 'run' });
  });

  it("the runtime stage's npm ci installs what the lock names, the workspace packages included", () => {
    // Without their manifests copied first, npm ci says nothing and leaves the @vitana/* links out.
    const lock = JSON.parse(readFileSync(join(image.dir, 'package-lock.json'), 'utf8')) as { packages: Record<string, { link?: boolean }> };
    const linked = Object.keys(lock.packages).filter((key) => lock.packages[key]!.link).map((key) => key.replace(/^node_modules\//, ''));
    expect(linked.sort()).toEqual(['@vitana/agent-heartbeat', '@vitana/vtid']);
    for (const name of linked) expect(existsSync(join(image.dir, 'node_modules', name, 'package.json')), name).toBe(true);
    // Production dependencies only: the test runner, for one, is not in the image.
    expect(existsSync(join(image.dir, 'node_modules', 'vitest'))).toBe(false);
    expect(existsSync(join(image.dir, 'node_modules', '@hono', 'node-server'))).toBe(true);
  });

  it('npm run build says what it made without a size warning it does not explain', () => {
    expect(buildOutput).toMatch(/dist\/gateway\.js +\d+\.\d MB/);
    expect(buildOutput).toContain('does not\n  matter to a server');
    expect(buildOutput).not.toContain('⚠');
  });

  it('bundles the workspace packages from their TypeScript sources (tsconfig paths), not from a built dist/', () => {
    // The build stage has no runtime/packages/*/dist (.dockerignore leaves a local build out), so a
    // bundle that resolved @vitana/* through node_modules to dist/ would fail or take a stale copy.
    const sources: string[] = JSON.parse(readFileSync(join(build.dir, 'dist/gateway.js.map'), 'utf8')).sources;
    const packageSources = sources.filter((s) => s.includes('runtime/packages/'));
    // Relative to dist/: the build stage's own copy of the sources.
    expect(packageSources).toEqual(expect.arrayContaining(['../runtime/packages/vtid/src/index.ts', '../runtime/packages/agent-heartbeat/src/wire.ts']));
    expect(packageSources.filter((s) => !s.startsWith('../runtime/packages/') || s.includes('/dist/'))).toEqual([]);
  });
  afterAll(async () => {
    await Promise.all(running.map((p) => p.stop('SIGKILL')));
  });

  it('node dist/gateway.js, laid out as the image, serves health, readiness, the API and the console, and stops cleanly on SIGTERM', async () => {
    const dataDir = join(tempDir('oasis-bundle-'), 'pglite');
    const gateway = await spawnGateway({ entry: 'dist/gateway.js', cwd: assembleImage(), env: { OASIS_DATA_DIR: dataDir } });
    running.push(gateway);
    expect(await (await fetch(`${gateway.url}/healthz`)).json()).toEqual({ ok: true });
    expect((await fetch(`${gateway.url}/readyz`)).status).toBe(200);
    const page = await fetch(`${gateway.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('OASIS Live Console');
    const res = await fetch(`${gateway.url}/events/ingest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await serviceToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ source: 'bundle', kind: 'smoke' }),
    });
    expect(res.status).toBe(201);
    expect(await gateway.stop('SIGTERM')).toBe(0);
  });

  it.runIf(HAS_PG)('the image as Cloud Run runs it: its CMD with its ENV (production) as an unprivileged user serves the gateway; its HEALTHCHECK passes while it runs and fails once it stopped', async () => {
    const runtime = image.stage;
    const env = stageEnv(runtime);
    expect(env.NODE_ENV).toBe('production');
    // The image's USER is not root; here a user that owns nothing stands for it (when the suite runs
    // as root; otherwise the suite's own user already is unprivileged). It can only read the image's
    // files, so this also proves the service writes nothing under /app.
    expect(stageUser(runtime)).not.toBe('root');
    const unprivileged = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const node = unprivileged.uid === undefined ? process.execPath : nodeReachableByAnyone();
    const [command, ...args] = execForm(runtime, 'CMD');
    expect(command).toBe('node');
    const database = await createPgDatabaseUrl();
    try {
      const gateway = await spawnGateway({
        command: [node, ...args],
        cwd: image.dir,
        ...unprivileged,
        // The stage's ENV, then what Cloud Run and the stack's secrets give it; PORT is Cloud Run's to set.
        env: { ...env, PORT: '0', DATABASE_URL: database.url },
      });
      running.push(gateway);
      expect(gateway.logs.find((line) => line.message === 'gateway listening')).toMatchObject({ severity: 'INFO' });
      expect((await fetch(`${gateway.url}/readyz`)).status).toBe(200);
      const [probe, ...probeArgs] = execForm(runtime, 'HEALTHCHECK');
      expect(probe).toBe('node');
      const healthcheck = () =>
        spawnSync(node, probeArgs, { cwd: image.dir, env: { PATH: process.env.PATH, PORT: String(gateway.port) }, timeout: 10_000 }).status;
      expect(healthcheck()).toBe(0);
      expect(await gateway.stop('SIGTERM')).toBe(0);
      expect(healthcheck()).toBe(1);
    } finally {
      await database.drop();
    }
  });

  it('node dist/watcher.js, laid out as the image, serves health and polls Cloud Logging into the gateway', async () => {
    // The bundle keeps @google-cloud/logging and @grpc/grpc-js external: a poll proves the bundled
    // AuditLog decoding and the plaintext-gRPC credentials work with the installed client.
    const [logging, gateway] = await Promise.all([startLoggingServer(), startTestGateway()]);
    try {
      logging.setEntries([variant('v1-replace-service-success', 'bundle-entry', new Date(Date.now() - 5 * 60_000).toISOString())]);
      const watcher = await spawnGateway({
        entry: 'dist/watcher.js',
        cwd: assembleImage(),
        env: { GOOGLE_CLOUD_PROJECT: 'bundle-test', GATEWAY_URL: gateway.url, SUPABASE_SERVICE_ROLE: gateway.serviceToken, CLOUD_LOGGING_ENDPOINT: logging.endpoint },
      });
      running.push(watcher);
      const res = await fetch(`${watcher.url}/healthz`);
      expect(res.status).toBe(200);
      const poll = await fetch(`${watcher.url}/poll`, { method: 'POST' });
      expect(await json(poll)).toMatchObject({ ok: true, scanned: 1, published: 1 });
      const events = await json(await gateway.request('/api/v1/oasis/events?source=gcp.cloudrun'));
      expect(events.data).toEqual([expect.objectContaining({ externalId: 'bundle-entry', status: 'in_progress', vtid: 'VTID-2026-0042' })]);
      expect(await watcher.stop('SIGTERM')).toBe(0);
    } finally {
      await Promise.all([logging.close(), gateway.close()]);
    }
  });

  it.runIf(HAS_PG)('node dist/reconciler.js, laid out as the image, redelivers a failed delivery into the gateway through the bundled octokit', async () => {
    const token = 'ghp_bundletesttoken0123456789abcdefghij';
    const [github, gateway] = await Promise.all([startFakeGithub({ token }), startTestGateway({ backend: 'pg' })]);
    try {
      github.addHook('repo:acme/bundle/1');
      github.onAttempt({ kind: 'deliver', url: gateway.url, secret: TEST_WEBHOOK_SECRET });
      const failed = github.addDelivery('repo:acme/bundle/1', { event: 'push', statusCode: 502 });
      const reconciler = await spawnGateway({
        entry: 'dist/reconciler.js',
        cwd: assembleImage(),
        env: { DATABASE_URL: gateway.databaseUrl!, RECONCILE_HOOKS: 'repo:acme/bundle/1', GITHUB_TOKEN: token, GITHUB_API_URL: github.url },
      });
      running.push(reconciler);
      const pass = await fetch(`${reconciler.url}/reconcile`, { method: 'POST' });
      expect(await json(pass)).toMatchObject({ ok: true, totals: { redelivered: 1 } });
      const stored = await gateway.db.query('select kind from public.oasis_events where external_id = $1', [failed.guid]);
      expect(stored.rows).toEqual([{ kind: 'push' }]);
      expect(await reconciler.stop('SIGTERM')).toBe(0);
    } finally {
      await Promise.all([github.close(), gateway.close()]);
    }
  });
});
