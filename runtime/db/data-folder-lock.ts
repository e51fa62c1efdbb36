import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { Refusal } from '../core/refusal.js';

/**
 * One process at a time on an embedded data folder. PGlite has no postmaster to keep a second process
 * out: two processes on one folder corrupt it or die with WASM `RuntimeError: Aborted()`. A lock file
 * beside the folder (`<folder>.lock`, holding the owner's pid) lets the second one refuse with a
 * sentence instead.
 */
export class DataFolderInUseError extends Refusal {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `the data folder ${dataDir} is in use by process ${pid}: stop that process first ` +
        `(if no such process runs, delete ${lockPathOf(dataDir)})`,
    );
    this.name = 'DataFolderInUseError';
  }
}

export interface DataFolderLock {
  release(): void;
}

export function lockPathOf(dataDir: string): string {
  return `${dataDir.replace(/\/+$/, '')}.lock`;
}

/** Folders this process holds: the pid in the file is ours, but a second open in this process is refused too. */
const held = new Set<string>();

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists and belongs to someone else, which is still "in use".
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(path: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function tryCreate(path: string): boolean {
  try {
    // 'wx' creates atomically or fails: of two processes starting together exactly one gets the lock.
    writeFileSync(path, `${process.pid}\n`, { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

export function lockDataFolder(dataDir: string): DataFolderLock {
  const path = lockPathOf(dataDir);
  if (held.has(path)) throw new DataFolderInUseError(dataDir, process.pid);
  if (!tryCreate(path)) {
    const owner = readOwner(path);
    // A live other process holds it; a pid of ours that we do not hold is a leftover (e.g. a container
    // restarted with the same pid), like a dead pid or an unreadable file: take it over.
    if (owner !== null && owner !== process.pid && isRunning(owner)) throw new DataFolderInUseError(dataDir, owner);
    unlinkSync(path);
    if (!tryCreate(path)) throw new DataFolderInUseError(dataDir, readOwner(path) ?? 0);
  }
  held.add(path);

  const release = () => {
    if (!held.delete(path)) return;
    process.off('exit', release);
    try {
      if (readOwner(path) === process.pid) unlinkSync(path);
    } catch {
      // Already gone: nothing to release.
    }
  };
  // A process that exits without closing the database (a crash, process.exit) leaves no lock behind.
  process.on('exit', release);
  return { release };
}
