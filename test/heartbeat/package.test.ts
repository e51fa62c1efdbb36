import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';

/**
 * @vitana/agent-heartbeat as another repository gets it: both workspace packages packed with `npm pack`
 * (their prepack builds dist/), installed from the tarballs into a scratch project with no registry,
 * then used from plain node (no tsx, no tsconfig paths) against a real gateway, and typechecked
 * against the .d.ts the tarball ships.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PACKAGES = { vtid: '@vitana/vtid', 'agent-heartbeat': '@vitana/agent-heartbeat' } as const;
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const run = promisify(execFile);
const VTID = 'VTID-2026-0951';
const AGENT = 'packed-agent-1';

// What npm and node may see: no npm_config_* inherited from an `npm test` around us, and a cache of
// our own, so the install can only be served by the tarballs.
function cleanEnv(cache: string): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, npm_config_cache: cache, npm_config_update_notifier: 'false' };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

/** Lines of JSON the agent script prints, and a way to wait for one. */
function lineReader(child: ChildProcess) {
  const lines: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      lines.push(JSON.parse(buffer.slice(0, newline)) as Record<string, unknown>);
      buffer = buffer.slice(newline + 1);
      for (const wake of waiters.splice(0)) wake();
    }
  });
  const waitFor = (match: (line: Record<string, unknown>) => boolean, what: string, timeoutMs = 10_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; lines: ${JSON.stringify(lines)}`)), timeoutMs);
      const check = () => {
        const found = lines.find(match);
        if (found) {
          clearTimeout(timer);
          resolve(found);
        } else waiters.push(check);
      };
      check();
    });
  return { lines, waitFor };
}

// The agent: starts beating on a task, stops when the test says so on stdin, prints what it saw.
const AGENT_SCRIPT = `
import { startHeartbeat, IDLE } from '@vitana/agent-heartbeat';
import { HEARTBEAT_PATH } from '@vitana/agent-heartbeat/wire';
const print = (line) => process.stdout.write(JSON.stringify(line) + '\\n');
print({ idle: IDLE, path: HEARTBEAT_PATH });
const heartbeat = startHeartbeat({
  agent: process.env.AGENT,
  gatewayUrl: process.env.GATEWAY_URL,
  token: process.env.AGENT_TOKEN,
  vtid: process.env.AGENT_VTID,
  intervalMs: 1000,
  onBeat: (report) => print({ beat: report }),
  onError: (error) => print({ error: error.kind, message: error.message }),
});
process.stdin.once('data', async () => {
  await heartbeat.stop();
  print({ stopped: heartbeat.vtid });
});
`;

// Compiles only if the shipped .d.ts describe the API (strict: a module without types is an error).
const CONSUMER_TS = `
import { HeartbeatError, IDLE, startHeartbeat, type BeatReport, type HeartbeatHandle } from '@vitana/agent-heartbeat';
import { HEARTBEAT_MAX_INTERVAL_MS, type AgentStatus } from '@vitana/agent-heartbeat/wire';
import { parseVtid, type Vtid } from '@vitana/vtid';

const task: Vtid | null = parseVtid('VTID-2026-0001');
const handle: HeartbeatHandle = startHeartbeat({
  agent: 'typed-1',
  gatewayUrl: 'http://127.0.0.1:9',
  token: 'token',
  intervalMs: HEARTBEAT_MAX_INTERVAL_MS,
  vtid: task?.vtid ?? null,
  onBeat: (report: BeatReport) => {
    const status: AgentStatus = report.status;
    void status;
  },
  onError: (error: HeartbeatError) => void error.details.retryInMs,
});
const current: string = handle.vtid;
const idle: 'IDLE' = IDLE;
// @ts-expect-error intervalMs is a number: proves the options are typed, not any.
startHeartbeat({ agent: 'typed-2', gatewayUrl: 'http://127.0.0.1:9', token: 'token', intervalMs: '60000' });
export const done: Promise<void> = handle.stop();
void current;
void idle;
`;

describe('@vitana/agent-heartbeat from its npm tarball', () => {
  let scratch = '';
  let gw: TestGateway;
  const builtByUs: string[] = [];
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    // dist/ is a build output the packing makes in the checkout; leave the checkout as we found it.
    for (const dir of Object.keys(PACKAGES)) {
      for (const output of ['dist', '.tsbuildinfo']) {
        const path = join(ROOT, 'runtime/packages', dir, output);
        if (!existsSync(path)) builtByUs.push(path);
      }
    }
    scratch = tempDir('oasis-heartbeat-package-');
    const env = cleanEnv(join(scratch, '.npm-cache'));
    const workspaces = Object.values(PACKAGES).flatMap((name) => ['--workspace', name]);
    // Each prepack runs `tsc -b`, which builds @vitana/vtid before the heartbeat that imports its .d.ts.
    await run('npm', ['pack', ...workspaces, '--pack-destination', scratch, '--silent'], { cwd: ROOT, env });
    writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch-agent', private: true, type: 'module' }));
    const tarballs = readdirSync(scratch).filter((file) => file.endsWith('.tgz'));
    expect(tarballs.sort()).toEqual(['vitana-agent-heartbeat-0.1.0.tgz', 'vitana-vtid-0.1.0.tgz']);
    await run('npm', ['install', '--offline', '--no-audit', '--no-fund', ...tarballs.map((file) => `./${file}`)], { cwd: scratch, env });
    gw = await startTestGateway();
  }, 180_000);

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await gw?.close();
    for (const path of builtByUs) rmSync(path, { recursive: true, force: true });
    removeTempDirs();
  });

  it.each(Object.entries(PACKAGES))('installs %s as a real folder with built JS and .d.ts only: no sources, no tests', (dir, name) => {
    const installed = join(scratch, 'node_modules', name);
    expect(lstatSync(installed).isSymbolicLink(), 'a copy from the tarball, not a link to the workspace').toBe(false);
    const files = filesUnder(installed);
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/index.d.ts');
    if (dir === 'agent-heartbeat') expect(files).toEqual(expect.arrayContaining(['dist/wire.js', 'dist/wire.d.ts']));
    // Every module ships with its declarations.
    for (const js of files.filter((file) => file.endsWith('.js'))) expect(files, js).toContain(js.replace(/\.js$/, '.d.ts'));
    expect(files.filter((file) => !/^dist\/[\w-]+\.(js|d\.ts)$/.test(file))).toEqual(['README.md', 'package.json']);
  });

  it.each(Object.values(PACKAGES))('%s names no dependency outside @vitana/*', (name) => {
    const manifest = JSON.parse(readFileSync(join(scratch, 'node_modules', name, 'package.json'), 'utf8')) as Record<string, unknown>;
    const fields = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies', 'bundleDependencies'];
    const names = fields.flatMap((field) => Object.keys((manifest[field] as Record<string, string> | undefined) ?? {}));
    expect(names.filter((dependency) => !dependency.startsWith('@vitana/'))).toEqual([]);
    if (name === '@vitana/agent-heartbeat') expect(manifest.dependencies).toEqual({ '@vitana/vtid': '0.1.0' });
  });

  it('typechecks a TypeScript consumer against the installed .d.ts', async () => {
    writeFileSync(join(scratch, 'consumer.ts'), CONSUMER_TS);
    const compilerOptions = {
      strict: true,
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      lib: ['ES2023', 'DOM'],
      types: [],
      noEmit: true,
      // The shipped declarations are checked too, not only the consumer's use of them.
      skipLibCheck: false,
    };
    writeFileSync(join(scratch, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['consumer.ts'] }));
    // --listFiles: the check's own list of what it read, printed after any error.
    const check = await run(process.execPath, [TSC, '-p', 'tsconfig.json', '--listFiles'], { cwd: scratch }).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
    );
    const read = check.stdout.split('\n').map((line) => line.trim());
    expect(read.filter((line) => /error TS/.test(line))).toEqual([]);
    expect(check.code).toBe(0);
    // Resolved to the tarball's declarations, not to the repository's sources.
    for (const file of ['@vitana/agent-heartbeat/dist/index.d.ts', '@vitana/agent-heartbeat/dist/wire.d.ts', '@vitana/vtid/dist/index.d.ts']) {
      expect(read).toContain(join(scratch, 'node_modules', file));
    }
    expect(read.filter((line) => line.includes('/src/'))).toEqual([]);
  }, 60_000);

  it('beats from plain node against a real gateway: visible in the agents API and its events, and stop() sends the final beat', async () => {
    writeFileSync(join(scratch, 'agent.mjs'), AGENT_SCRIPT);
    const child = spawn(process.execPath, ['agent.mjs'], {
      cwd: scratch,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, AGENT, GATEWAY_URL: gw.url, AGENT_TOKEN: gw.serviceToken, AGENT_VTID: VTID.toLowerCase() },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    children.push(child);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const agent = lineReader(child);

    expect(await agent.waitFor((line) => 'idle' in line, 'the wire constants')).toEqual({ idle: 'IDLE', path: '/api/v1/agents/heartbeat' });
    const first = await agent.waitFor((line) => 'beat' in line, 'the first beat');
    expect(first.beat).toMatchObject({ agent: AGENT, vtid: VTID, status: 'online', eventId: expect.any(Number) });

    const listed = await json(await gw.request('/api/v1/agents'));
    expect(listed.data).toContainEqual({ agent: AGENT, vtid: VTID, status: 'online', lastSeen: expect.any(String) });

    child.stdin!.end('stop\n');
    expect(await agent.waitFor((line) => 'stopped' in line, 'stop() to resolve')).toEqual({ stopped: VTID });
    expect(await exited, 'the heartbeat keeps nothing alive once stopped').toBe(0);
    expect(agent.lines.filter((line) => 'error' in line)).toEqual([]);
    expect(agent.lines.at(-2)).toMatchObject({ beat: { agent: AGENT, vtid: VTID, status: 'stopped' } });

    const after = await json(await gw.request('/api/v1/agents'));
    expect(after.data).toContainEqual({ agent: AGENT, vtid: VTID, status: 'stopped', lastSeen: expect.any(String) });
    const events = await json(await gw.request(`/api/v1/oasis/events?source=agent.heartbeat&vtid=${VTID}`));
    const mine = (events.data as Array<{ id: number; kind: string; actor: string | null; vtid: string }>).filter((event) => event.actor === AGENT);
    expect(mine.sort((a, b) => a.id - b.id).map(({ kind, vtid }) => [kind, vtid])).toEqual([
      ['agent.online', VTID],
      ['agent.stopped', VTID],
    ]);
  }, 60_000);
});
