import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, logStdio, spawnGroup, spawnTs, waitFor200, type SpawnedProcess } from './processes.js';
import { JWT_SECRET, REPO_ROOT, WEBHOOK_SECRET } from './settings.js';

/**
 * The receivers under test, each its own OS process on a loopback port: the gateway as deployed (the
 * esbuild bundle, NODE_ENV=production, run by plain node) and the two peers of bench/peers/.
 */

export type ReceiverKind = 'gateway' | 'bare' | 'octokit';

export interface Server {
  kind: ReceiverKind;
  name: string;
  url: string;
  port: number;
  /** The pid of the server's node process itself (its RSS is read from /proc). */
  pid: number;
  proc: SpawnedProcess;
  logFile: string;
  stop(): Promise<void>;
}

/**
 * Builds the gateway with the project's own build script (`npm run build` = scripts/build.mjs) into a
 * private folder laid out as the container image is (runtime/Dockerfile: dist/, migrations/, policies/,
 * the console page, package.json, node_modules), so a concurrent build of the repository's dist/ (a
 * test does one) cannot change the bundle under a running bench. Returns the image folder.
 */
export async function buildGatewayImage(workDir: string): Promise<string> {
  const image = join(workDir, 'image');
  mkdirSync(image, { recursive: true });
  // The build reads the sources through these links; the image keeps runtime/console/console.html from them.
  for (const name of ['runtime', 'scripts', 'node_modules']) symlinkSync(join(REPO_ROOT, name), join(image, name));
  for (const name of ['migrations', 'policies']) cpSync(join(REPO_ROOT, name), join(image, name), { recursive: true });
  copyFileSync(join(REPO_ROOT, 'package.json'), join(image, 'package.json'));
  const build = spawnGroup(process.execPath, ['scripts/build.mjs'], { cwd: image, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  build.child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await build.exited;
  if (code !== 0 || !existsSync(join(image, 'dist/gateway.js'))) throw new Error(`the gateway build failed (exit ${code}):\n${stderr}`);
  return image;
}

export interface GatewayOptions {
  image: string;
  databaseUrl: string;
  name: string;
  logDir: string;
  env?: Record<string, string>;
  port?: number;
}

/** The environment of a deployed gateway (NODE_ENV=production: every secret given, nothing generated). */
export function gatewayEnv(databaseUrl: string, port: number, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    SUPABASE_JWT_SECRET: JWT_SECRET,
    GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET,
    MIGRATE_ON_START: 'true',
    ...extra,
  };
}

export async function startGateway(options: GatewayOptions): Promise<Server> {
  const port = options.port ?? (await freePort());
  const logFile = join(options.logDir, `${options.name}.log`);
  const log = logStdio(logFile);
  // `node dist/gateway.js` from the image folder, exactly as the container's CMD.
  const proc = spawnGroup(process.execPath, ['dist/gateway.js'], { cwd: options.image, env: gatewayEnv(options.databaseUrl, port, options.env), stdio: log.stdio });
  log.close();
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor200(`${url}/readyz`, proc, { what: `gateway ${options.name}`, logFile, timeoutMs: 60_000 });
  } catch (error) {
    await proc.stop(1_000);
    throw error;
  }
  return { kind: 'gateway', name: options.name, url, port, pid: proc.pid, proc, logFile, stop: () => proc.stop() };
}

/** The exit code of a peer whose receiver library is not installed (reported as skipped, not failed). */
export const PEER_UNAVAILABLE_EXIT = 3;

export class PeerUnavailableError extends Error {
  override name = 'PeerUnavailableError';
}

export async function startPeer(kind: 'bare' | 'octokit', options: { databaseUrl: string; name: string; logDir: string }): Promise<Server> {
  const port = await freePort();
  const logFile = join(options.logDir, `${options.name}.log`);
  const log = logStdio(logFile);
  const proc = spawnTs(join(REPO_ROOT, 'bench/peers', `${kind}.ts`), [], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      PORT: String(port),
      DATABASE_URL: options.databaseUrl,
      GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET,
      ...(process.env.BENCH_NODE_PATH ? { BENCH_NODE_PATH: process.env.BENCH_NODE_PATH } : {}),
    },
    stdio: log.stdio,
  });
  log.close();
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor200(`${url}/readyz`, proc, { what: `${kind} peer ${options.name}`, logFile, timeoutMs: 30_000 });
  } catch (error) {
    const code = proc.child.exitCode;
    await proc.stop(1_000);
    if (code === PEER_UNAVAILABLE_EXIT) throw new PeerUnavailableError(readFileSync(logFile, 'utf8').trim().split('\n').pop() ?? `${kind} unavailable`);
    throw error;
  }
  return { kind, name: options.name, url, port, pid: proc.pid, proc, logFile, stop: () => proc.stop() };
}
