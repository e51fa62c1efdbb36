import { execFileSync } from 'node:child_process';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { REPO_ROOT } from './settings.js';

/** What the figures were measured on: printed under the table and kept in results.json. */
export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  postgres: string;
  loadAverageAtStart: number[];
  gitCommit: string | null;
  date: string;
}

export function machineInfo(postgresVersion: string): MachineInfo {
  let gitCommit: string | null = null;
  try {
    gitCommit = execFileSync('git', ['-C', REPO_ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    // not a git checkout
  }
  const list = cpus();
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    postgres: postgresVersion.split(' on ')[0] ?? postgresVersion,
    loadAverageAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
    gitCommit,
    date: new Date().toISOString(),
  };
}
