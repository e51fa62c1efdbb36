import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, startTestGateway } from '../helpers/gateway.js';
import { HAS_PG } from '../helpers/db.js';
import { startFakeGithub } from '../helpers/github-rest-server.js';
import { startLoggingServer } from '../../scripts/demo/cloud-logging-server.js';
import { spawnGateway, type GatewayProcess } from '../helpers/process.js';
import { serviceToken, TEST_WEBHOOK_SECRET } from '../helpers/tokens.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';
import { variant } from '../watcher/fixtures.js';
import { isIgnored, parseDockerignore } from '../infra/build-context.js';

/**
 * The container runs `node dist/gateway.js` / `dist/watcher.js` / `dist/reconciler.js` (runtime/Dockerfile). With no
 * Docker engine here, this proves the same artefacts: build them from what the build stage copies, run
 * them with plain node in the runtime stage's layout, ask health.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Lays out a directory as a stage of runtime/Dockerfile does, from its own COPY lines (so a file the
 * image forgets is missing here too): sources from the build context (the repository narrowed by
 * .dockerignore), or with `--from=build` from `buildDir`, the build stage laid out the same way.
 * node_modules is linked instead of `npm ci`.
 */
function layOutStage(stage: 'build' | 'runtime', buildDir?: string): string {
  const dockerfile = readFileSync(join(ROOT, 'runtime/Dockerfile'), 'utf8');
  const text = dockerfile.slice(dockerfile.search(new RegExp(`^FROM \\S+ AS ${stage}$`, 'm'))).split(/\n(?=FROM )/)[0]!;
  const dir = tempDir(`oasis-${stage}-`);
  const ignore = parseDockerignore(readFileSync(join(ROOT, '.dockerignore'), 'utf8'));
  const inContext = (file: string) => !isIgnored(ignore, relative(ROOT, file));
  for (const line of text.split('\n')) {
    const match = /^COPY\s+(--from=build\s+)?(.+)$/.exec(line.trim());
    if (!match) continue;
    const parts = match[2]!.split(/\s+/);
    const dest = parts.pop()!;
    for (const source of parts) {
      const from = match[1] ? join(buildDir!, source.replace(/^\/app\//, '')) : join(ROOT, source);
      const to = dest.endsWith('/') ? join(dir, dest, source.split('/').pop()!) : join(dir, dest);
      mkdirSync(dirname(to), { recursive: true });
      cpSync(from, to, { recursive: true, filter: match[1] ? undefined : inContext });
    }
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

/** The build stage, where the bundles were built from only what that stage copies. */
let buildDir = '';
const assembleImage = () => layOutStage('runtime', buildDir);

// The folders go after every process that used them has stopped (those stop in afterEach/afterAll).
afterAll(removeTempDirs);
describe('bundled services', () => {
  const running: GatewayProcess[] = [];
  let buildOutput = '';
  beforeAll(() => {
    // In the build stage's layout: a bundle that imports a file the stage does not copy fails here.
    buildDir = layOutStage('build');
    buildOutput = execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: buildDir, stdio: 'pipe', encoding: 'utf8' });
  });

  it('npm run build says what it made without a size warning it does not explain', () => {
    expect(buildOutput).toMatch(/dist\/gateway\.js +\d+\.\d MB/);
    expect(buildOutput).toContain('does not\n  matter to a server');
    expect(buildOutput).not.toContain('⚠');
  });

  it('bundles the workspace packages from their TypeScript sources (tsconfig paths), not from a built dist/', () => {
    // The build stage has no runtime/packages/*/dist (.dockerignore leaves a local build out), so a
    // bundle that resolved @vitana/* through node_modules to dist/ would fail or take a stale copy.
    const sources: string[] = JSON.parse(readFileSync(join(buildDir, 'dist/gateway.js.map'), 'utf8')).sources;
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
