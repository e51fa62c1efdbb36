import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { REPO_ROOT } from './settings.js';

/**
 * Every process the bench starts runs in its own process group (detached) and is registered here, so
 * the orchestrator can end each whole group at the end, on an error or on Ctrl-C, and nothing outlives
 * the run. TypeScript children run on this same node (process.execPath) with tsx's loader.
 */

const running = new Set<ChildProcess>();
let refusing = false;

/** From now on no new process is started (the run is being interrupted). */
export function refuseNewProcesses(): void {
  refusing = true;
}

export interface SpawnedProcess {
  child: ChildProcess;
  pid: number;
  exited: Promise<number | null>;
  /** SIGTERM to the whole group, SIGKILL after `graceMs`; resolves once the leader has exited. */
  stop(graceMs?: number): Promise<void>;
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

export function spawnGroup(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; stdio?: StdioOptions } = {}): SpawnedProcess {
  if (refusing) throw new Error('the bench is stopping: no new process');
  const child = spawn(command, args, {
    cwd: options.cwd ?? REPO_ROOT,
    env: options.env ?? process.env,
    stdio: options.stdio ?? ['ignore', 'inherit', 'inherit'],
    detached: true,
  });
  if (child.pid === undefined) throw new Error(`could not start ${command} ${args.join(' ')}`);
  const pid = child.pid;
  running.add(child);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve(code ?? (signal ? 128 : null));
    });
    child.once('error', () => {
      running.delete(child);
      resolve(null);
    });
  });
  const stop = async (graceMs = 5_000): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) {
      killGroup(pid, 'SIGKILL'); // the leader is gone; make sure nothing of its group is left
      return;
    }
    killGroup(pid, 'SIGTERM');
    const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
    killGroup(pid, 'SIGKILL');
  };
  return { child, pid, exited, stop };
}

/** A TypeScript file of bench/ in its own process: node --import tsx <file> <args>. */
export function spawnTs(file: string, args: string[], options: { env?: NodeJS.ProcessEnv; stdio?: StdioOptions } = {}): SpawnedProcess {
  return spawnGroup(process.execPath, ['--import', 'tsx', file, ...args], { ...options, cwd: REPO_ROOT });
}

/** Ends every process group still running (SIGKILL): the last resort at exit. Synchronous. */
export function killAllSync(): void {
  for (const child of [...running]) if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
  running.clear();
}

/** Ends every process group still running, politely first. */
export async function stopAll(): Promise<void> {
  await Promise.all(
    [...running].map(async (child) => {
      const pid = child.pid!;
      killGroup(pid, 'SIGTERM');
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), 3_000);
      await Promise.race([exited, new Promise((r) => setTimeout(r, 4_000))]);
      clearTimeout(timer);
      killGroup(pid, 'SIGKILL');
    }),
  );
  running.clear();
}

export const RESULT_PREFIX = 'BENCH_RESULT ';

/** Prints the one result line a child reports to the orchestrator (see runChild). */
export function reportResult(result: unknown): void {
  process.stdout.write(RESULT_PREFIX + JSON.stringify(result) + '\n');
}

/**
 * Runs a bench/ TypeScript child to completion and returns the JSON it reported. The input goes as
 * one JSON argument; the child's stderr passes through.
 */
export async function runChild<T>(file: string, input: unknown, timeoutMs: number): Promise<T> {
  const proc = spawnTs(file, [JSON.stringify(input)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  proc.child.stdout!.setEncoding('utf8');
  proc.child.stdout!.on('data', (chunk: string) => (stdout += chunk));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void proc.stop(1_000);
  }, timeoutMs);
  const code = await proc.exited;
  clearTimeout(timer);
  if (timedOut) throw new Error(`${file} did not finish within ${timeoutMs} ms`);
  const line = stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
  if (code !== 0 || !line) throw new Error(`${file} exited with ${code}${line ? '' : ' without a result'}: ${stdout.slice(-2000)}`);
  return JSON.parse(line.slice(RESULT_PREFIX.length)) as T;
}

/**
 * Starts a long-running bench/ child (a proxy, a client that holds connections) and returns once it
 * reported its result line (e.g. the port it listens on); it runs until stopped.
 */
export async function startChildService<T>(file: string, input: unknown, timeoutMs = 30_000): Promise<{ result: T; proc: SpawnedProcess }> {
  const proc = spawnTs(file, [JSON.stringify(input)], { stdio: ['ignore', 'pipe', 'inherit'] });
  proc.child.stdout!.setEncoding('utf8');
  let buffer = '';
  try {
    const result = await new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${file} did not start within ${timeoutMs} ms`)), timeoutMs);
      proc.child.stdout!.on('data', (chunk: string) => {
        buffer += chunk;
        const line = buffer.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
        if (line) {
          clearTimeout(timer);
          resolve(JSON.parse(line.slice(RESULT_PREFIX.length)) as T);
        }
      });
      void proc.exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${file} exited with ${code} before it started`));
      });
    });
    proc.child.stdout!.resume();
    return { result, proc };
  } catch (error) {
    await proc.stop(1_000);
    throw error;
  }
}

/** The input a child was given by runChild. */
export function childInput<T>(): T {
  const raw = process.argv[2];
  if (!raw) throw new Error('expected the input as one JSON argument');
  return JSON.parse(raw) as T;
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** GET url with a fresh connection; resolves with the status, or null when the connection fails. */
export function probe(url: string, timeoutMs = 1_000): Promise<number | null> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? null));
      res.once('error', () => resolve(null));
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(null));
    req.end();
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls url every `everyMs` until it answers 200; fails when `proc` exits first or after timeoutMs. */
export async function waitFor200(url: string, proc: SpawnedProcess, options: { timeoutMs?: number; everyMs?: number; what: string; logFile?: string }): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let exited = false;
  void proc.exited.then(() => (exited = true));
  for (;;) {
    if ((await probe(url, 1_000)) === 200) return;
    const tail = () => (options.logFile ? `\n${readTail(options.logFile)}` : '');
    if (exited) throw new Error(`${options.what} exited before it was ready${tail()}`);
    if (Date.now() > deadline) throw new Error(`${options.what} was not ready within ${options.timeoutMs ?? 30_000} ms${tail()}`);
    await sleep(options.everyMs ?? 20);
  }
}

export function readTail(file: string, bytes = 3_000): string {
  try {
    const text = readFileSync(file, 'utf8');
    return text.slice(-bytes);
  } catch {
    return '(no log)';
  }
}

/** Opens a log file for a child's stdout and stderr; the fd is closed in the parent right after spawn. */
export function logStdio(file: string): { stdio: StdioOptions; close: () => void } {
  const fd = openSync(file, 'a');
  return { stdio: ['ignore', fd, fd], close: () => closeSync(fd) };
}
