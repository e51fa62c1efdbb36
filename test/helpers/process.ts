import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TEST_JWT_SECRET, TEST_WEBHOOK_SECRET } from './tokens.js';

/**
 * A gateway in its own OS process, started exactly as `npm start` does (node --import tsx
 * runtime/gateway/server.ts: one process, the server itself, no wrapper relaying signals to it).
 * For tests that need several instances on one database, signals, or a process that really exits.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The log line each service prints once it accepts connections (it carries the port). */
const LISTENING = new Set(['gateway listening', 'watcher listening', 'reconciler listening']);

export interface GatewayProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** Parsed JSON log lines so far. */
  logs: Array<Record<string, unknown>>;
  /** stderr text so far (the local welcome banner goes there). */
  stderr(): string;
  /**
   * stderr once it matches `pattern`. The server writes its banner before it logs that it listens, but
   * stderr and stdout are two pipes: the parent may read the "listening" line first.
   */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

export interface SpawnOptions {
  env?: Record<string, string>;
  /** Entry file relative to the repo root: a .ts source (run by tsx) or a built .js bundle (run by node). */
  entry?: string;
  /** Working directory (default the repository root). */
  cwd?: string;
  /** Fixed port (to restart an instance on the same address); default ephemeral. */
  port?: number;
  /** The command instead of `node <entry>` (an image's CMD); `node` is this machine's Node. */
  command?: string[];
  /** Run as this user and group (the test must be root to switch). */
  uid?: number;
  gid?: number;
}

export async function spawnGateway(options: SpawnOptions = {}): Promise<GatewayProcess> {
  const entry = options.entry ?? 'runtime/gateway/server.ts';
  // A built bundle (.js) runs on plain node, exactly as in the container; sources with tsx's loader.
  const [file, args] = options.command
    ? [options.command[0] === 'node' ? process.execPath : options.command[0]!, options.command.slice(1)]
    : [process.execPath, entry.endsWith('.js') ? [entry] : ['--import', 'tsx', entry]];
  const child = spawn(file, args, {
    ...(options.uid !== undefined ? { uid: options.uid, gid: options.gid ?? options.uid } : {}),
    cwd: options.cwd ?? ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: String(options.port ?? 0),
      HOST: '127.0.0.1',
      SUPABASE_JWT_SECRET: TEST_JWT_SECRET,
      GITHUB_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
      NODE_ENV: 'test',
      // Lets the run's teardown (test/global-setup.ts) find any of these still running afterwards.
      ...(process.env.OASIS_TEST_RUN ? { OASIS_TEST_SPAWNED_BY: process.env.OASIS_TEST_RUN } : {}),
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, ended as a whole: whatever the server starts goes with it, and a test
    // can signal the group as a terminal does on Ctrl-C.
    detached: true,
  });
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // the group is gone already
    }
  };
  const logs: Array<Record<string, unknown>> = [];
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const listening = new Promise<number>((resolve, reject) => {
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let newline;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        try {
          const entry = JSON.parse(line) as Record<string, unknown>;
          logs.push(entry);
          if (LISTENING.has(String(entry.message))) resolve(Number(entry.port));
        } catch {
          // not a log line
        }
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    void exited.then((code) => reject(new Error(`gateway exited (${code}) before listening: ${stderr}\n${JSON.stringify(logs)}`)));
  });
  const timeout = setTimeout(() => killGroup('SIGKILL'), 60_000);
  const port = await listening.finally(() => clearTimeout(timeout));
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    child,
    logs,
    stderr: () => stderr,
    waitForStderr: async (pattern, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(stderr)) {
        if (Date.now() > deadline) throw new Error(`stderr did not match ${pattern} within ${timeoutMs} ms: ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return stderr;
    },
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode !== null || child.signalCode !== null) {
        killGroup('SIGKILL');
        return child.exitCode;
      }
      // A graceful signal goes to the server; SIGKILL takes the whole group.
      if (signal === 'SIGKILL') killGroup('SIGKILL');
      else child.kill(signal);
      const code = await exited;
      // Whatever it left behind goes with it.
      killGroup('SIGKILL');
      return code;
    },
  };
}
