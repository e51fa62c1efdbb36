/**
 * Pulumi.yaml, Pulumi.dev.yaml, the build context and the program entry point: the config schema the
 * CLI enforces, the dev stack, what .dockerignore sends to the builder, and that the entry point loads
 * the way Pulumi loads it (node --import tsx).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULTS } from '../../infra/config.js';
import { readDockerfile } from '../helpers/image.js';
import { isIgnored, parseDockerignore, trackedFiles } from './build-context.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

const project = parse(read('Pulumi.yaml')) as {
  name: string;
  runtime: { name: string; options: Record<string, unknown> };
  main: string;
  config: Record<string, { type: string; description?: string; default?: unknown; secret?: boolean; items?: unknown }>;
};
const devStack = parse(read('Pulumi.dev.yaml')) as { config: Record<string, unknown> };

const PLAIN_KEYS = [
  'vtid', 'layer', 'module', 'region', 'gatewayImage', 'watcherImage', 'minInstances', 'memory',
  'publicRead', 'pollSchedule', 'githubRepositories', 'deletionProtection', 'supabaseUrl', 'adopt',
  'reconcileHooks', 'reconcileIntervalMinutes', 'reconcileGithubAppId', 'reconcileGithubAppInstallationId',
  // Optional secrets: Pulumi has no optional `secret: true` key, so these default to empty (Pulumi.yaml).
  'githubWebhookSecret', 'githubWebhookSecretNext', 'reconcileGithubToken', 'reconcileGithubAppPrivateKey',
  'supabaseJwtSecret',
];
const SECRET_KEYS = ['supabaseServiceRole', 'supabaseDbUrl'];

describe('Pulumi.yaml', () => {
  it('is the vitana-oasis Node.js project, loading the ESM TypeScript program through tsx', () => {
    expect(project.name).toBe('vitana-oasis');
    expect(project.main).toBe('index.ts');
    expect(project.runtime).toEqual({
      name: 'nodejs',
      options: { typescript: false, nodeargs: '--import tsx', packagemanager: 'npm' },
    });
    const pkg = JSON.parse(read('package.json')) as { type: string; devDependencies: Record<string, string> };
    expect(pkg.type).toBe('module');
    expect(pkg.devDependencies).toHaveProperty('tsx');
  });

  it('declares every key with a type and description; plain keys default to what the program assumes', () => {
    expect(Object.keys(project.config).sort()).toEqual([...PLAIN_KEYS, ...SECRET_KEYS].sort());
    for (const [key, decl] of Object.entries(project.config)) {
      expect(['string', 'integer', 'boolean', 'array'], key).toContain(decl.type);
      expect(decl.description, key).toBeTruthy();
    }
    for (const key of PLAIN_KEYS) {
      expect(project.config[key], key).toHaveProperty('default');
      expect(project.config[key]!.default, key).toEqual(DEFAULTS[key as keyof typeof DEFAULTS]);
    }
    expect(project.config.githubRepositories!.items).toEqual({ type: 'string' });
    expect(project.config.adopt!.items).toEqual({ type: 'string' });
    expect(project.config.reconcileHooks!.items).toEqual({ type: 'string' });
  });

  it('marks the Supabase values secret, without a (plain-text) default', () => {
    for (const key of SECRET_KEYS) {
      expect(project.config[key], key).toMatchObject({ type: 'string', secret: true });
      expect(project.config[key], key).not.toHaveProperty('default');
    }
  });
});

describe('Pulumi.dev.yaml', () => {
  it('is the platform dev stack: lovable-vitana-vers1, us-central1, no deletion protection', () => {
    expect(devStack.config).toMatchObject({
      'gcp:project': 'lovable-vitana-vers1',
      'vitana-oasis:region': 'us-central1',
      'vitana-oasis:deletionProtection': false,
    });
  });

  it('names no VTID: each deploy is labelled with the VTID of the change it ships (CI sets VTID)', () => {
    expect(devStack.config).not.toHaveProperty(['vitana-oasis:vtid']);
  });

  it('holds no secret value in plain text and only declared keys', () => {
    for (const [key, value] of Object.entries(devStack.config)) {
      const [ns, name] = key.split(':') as [string, string];
      if (ns !== 'vitana-oasis') continue;
      expect(Object.keys(project.config), key).toContain(name);
      if (project.config[name]!.secret) expect(value, key).toHaveProperty('secure');
    }
    expect(read('Pulumi.dev.yaml')).not.toMatch(/postgres(ql)?:\/\/|supabase\.co|eyJ/);
  });
});

describe('runtime/Dockerfile', () => {
  // What the image does (each stage's COPY and RUN, its ENV, CMD, USER and HEALTHCHECK, the workspace
  // links its npm ci makes) is proven by carrying the Dockerfile out: test/gateway/bundle.test.ts
  // (test/helpers/image.ts). Only the base image cannot be exercised without a Docker engine.
  it('is multi-stage on node:24-slim', () => {
    expect(readDockerfile().map((stage) => `${stage.image} AS ${stage.name}`)).toEqual(['node:24-slim AS build', 'node:24-slim AS runtime']);
  });
});

describe('the build context (.dockerignore) and .gitignore', () => {
  const patterns = parseDockerignore(read('.dockerignore'));
  const files = trackedFiles(root);
  const sent = files.filter((f) => !isIgnored(patterns, f));
  /** What runtime/Dockerfile copies from the context: the sources of every COPY without --from. */
  const copied = readDockerfile()
    .flatMap((stage) => stage.instructions)
    .filter((i) => i.op === 'COPY' && !i.args.startsWith('--from='))
    .flatMap((i) => i.args.split(/\s+/).slice(0, -1));

  it('keeps the credentials google-github-actions/auth writes into the workspace out of the image and of git', () => {
    for (const file of ['gha-creds-0123456789abcdef.json', 'runtime/gha-creds-1.json', 'migrations/gha-creds-x.json']) {
      expect(isIgnored(patterns, file), file).toBe(true);
    }
    const res = spawnSync('git', ['check-ignore', '--no-index', '-q', 'gha-creds-0123456789abcdef.json'], { cwd: root });
    expect(res.status, '.gitignore ignores gha-creds-*.json').toBe(0);
  });

  it('sends only what the Dockerfile copies: docs, tests, the Pulumi program and CI files are not in it', () => {
    const inputs = (file: string) => copied.some((src) => file === src || file.startsWith(`${src}/`));
    expect(sent.filter((f) => !inputs(f))).toEqual([]);
    for (const file of ['README.md', 'docs/DEPLOY.md', 'test/infra/program.test.ts', 'infra/images.ts', 'index.ts', '.github/workflows/deploy.yml', 'Pulumi.dev.yaml']) {
      expect(files, file).toContain(file);
      expect(sent, file).not.toContain(file);
    }
    for (const file of ['.env', 'runtime/.env.local', 'node_modules/x/index.js', 'dist/gateway.js']) {
      expect(isIgnored(patterns, file), file).toBe(true);
    }
  });

  it('sends everything the Dockerfile copies', () => {
    expect([...new Set(copied)].sort()).toEqual(
      [
        'migrations',
        'package-lock.json',
        'package.json',
        'policies',
        'runtime',
        'runtime/console/console.html',
        'runtime/console/views',
        'runtime/packages/agent-heartbeat/package.json',
        'runtime/packages/vtid/package.json',
        'scripts/build.mjs',
        'tsconfig.json',
      ].sort(),
    );
    for (const src of copied) {
      expect(sent.some((f) => f === src || f.startsWith(`${src}/`)), src).toBe(true);
    }
    // The build reads every source under runtime/, and the runtime stage the migrations and policies.
    for (const file of files.filter((f) => /^(runtime|migrations|policies)\//.test(f) && !f.endsWith('Dockerfile'))) {
      expect(sent, file).toContain(file);
    }
  });

  it('copies named files and folders only, never the whole context', () => {
    const dockerfile = read('runtime/Dockerfile');
    expect(dockerfile).not.toMatch(/^(COPY|ADD)\s+\.\s/m);
    expect(dockerfile).not.toMatch(/^ADD /m);
  });
});

describe('index.ts under node --import tsx (how Pulumi.yaml runs it)', () => {
  it('loads the whole program as ESM and stops at the VTID guard before declaring anything', () => {
    // Without the Pulumi engine, config comes from PULUMI_CONFIG; no VTID anywhere, so readConfig must
    // refuse before any resource is constructed.
    const res = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', "await import('./index.ts')"], {
      cwd: root,
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        PULUMI_NODEJS_PROJECT: 'vitana-oasis',
        PULUMI_NODEJS_STACK: 'dev',
        PULUMI_CONFIG: JSON.stringify({ 'gcp:project': 'p' }),
      },
      timeout: 60_000,
    });
    expect(res.status).not.toBe(0);
    expect(res.stderr).toContain('No VTID: neither the environment variable VTID nor config `vtid` is set.');
    expect(res.stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|SyntaxError/);
  });
});
