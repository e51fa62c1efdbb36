/**
 * Pulumi.yaml, Pulumi.dev.yaml, the container files and the program entry point, checked as files:
 * the config schema the CLI enforces, the dev stack, the image recipe, and that the entry point loads
 * the way Pulumi loads it (node --import tsx).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULTS } from '../../infra/config.js';

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
  'publicRead', 'pollSchedule', 'githubRepositories', 'deletionProtection',
  'reconcileHooks', 'reconcileIntervalMinutes', 'reconcileGithubAppId', 'reconcileGithubAppInstallationId',
];
const SECRET_KEYS = ['supabaseUrl', 'supabaseServiceRole', 'supabaseDbUrl', 'supabaseJwtSecret'];

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
  it('is the platform dev stack: lovable-vitana-vers1, us-central1, DEV-CICDL-0031, no deletion protection', () => {
    expect(devStack.config).toMatchObject({
      'gcp:project': 'lovable-vitana-vers1',
      'vitana-oasis:region': 'us-central1',
      'vitana-oasis:vtid': 'DEV-CICDL-0031',
      'vitana-oasis:deletionProtection': false,
    });
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
  const dockerfile = read('runtime/Dockerfile');
  const instructions = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages = dockerfile.split(/^FROM /m).slice(1);

  it('is multi-stage on node:24-slim', () => {
    expect(instructions.filter((l) => l.startsWith('FROM '))).toEqual([
      'FROM node:24-slim AS build',
      'FROM node:24-slim AS runtime',
    ]);
  });

  it('builds the bundles with npm ci + npm run build, then installs production dependencies only', () => {
    expect(stages[0]).toMatch(/RUN npm ci\b/);
    expect(stages[0]).toMatch(/RUN npm run build/);
    expect(stages[1]).toMatch(/RUN npm ci --omit=dev/);
    for (const copy of ['COPY --from=build /app/dist ./dist', 'COPY migrations ./migrations', 'COPY policies ./policies']) {
      expect(stages[1]).toContain(copy);
    }
  });

  it('runs as a non-root user and serves the gateway by default', () => {
    const user = instructions.filter((l) => l.startsWith('USER '));
    expect(user).toEqual(['USER node']);
    const last = (prefix: string) => instructions.filter((l) => l.startsWith(prefix)).pop();
    expect(last('CMD ')).toBe('CMD ["node", "dist/gateway.js"]');
    expect(instructions.some((l) => l.startsWith('ENTRYPOINT'))).toBe(false); // the watcher overrides the command
    expect(stages[1]).toMatch(/NODE_ENV=production/);
    expect(stages[1]).toContain('/healthz');
  });

  it('writes CMD and HEALTHCHECK in valid exec (JSON) form', () => {
    const execForms = instructions.map((l) => /\bCMD (\[.*\])$/.exec(l)?.[1]).filter((j): j is string => !!j);
    expect(execForms).toHaveLength(2);
    for (const json of execForms) expect(() => JSON.parse(json), json).not.toThrow();
    expect(JSON.parse(execForms[0]!)[0]).toBe('node');
  });
});

describe('.dockerignore', () => {
  const patterns = read('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  it('keeps local installs, build output, state and git out of the context', () => {
    for (const p of ['node_modules', 'dist', '.git', '.data', '.pulumi', '.env']) expect(patterns).toContain(p);
  });

  it('keeps everything the image build reads', () => {
    for (const needed of ['package.json', 'package-lock.json', 'scripts', 'runtime', 'migrations', 'policies', 'tsconfig.json']) {
      expect(patterns.some((p) => p === needed || p.startsWith(`${needed}/`)), needed).toBe(false);
    }
    expect(patterns.some((p) => p.startsWith('!'))).toBe(false);
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
    expect(res.stderr).toContain('No VTID: neither config `vtid` nor the environment variable VTID is set.');
    expect(res.stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|SyntaxError/);
  });
});
