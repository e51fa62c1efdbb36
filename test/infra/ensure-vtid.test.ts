/**
 * scripts/ensure-vtid.sh (CI guard) run as CI runs it, with GitHub Actions env vars and event payloads,
 * against a throwaway git repository so the repo's own history cannot change the outcome.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectSources, findVtidOfChange } from '../../scripts/find-vtid.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const script = path.join(root, 'scripts/ensure-vtid.sh');

let dir: string;
let gitDir: string;

function commit(message: string, branch = 'main'): void {
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: dir },
      stdio: 'ignore',
    });
  git('checkout', '-q', '-B', branch);
  git('commit', '-q', '--allow-empty', '-m', message);
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ensure-vtid-'));
  gitDir = path.join(dir, '.git');
  execFileSync('git', ['init', '-q', dir], { stdio: 'ignore' });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the script with only the given env (plus PATH/HOME and the throwaway repo). */
function ensure(env: Record<string, string>) {
  const res = spawnSync(script, [], {
    cwd: root,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME ?? dir, GIT_DIR: gitDir, ...env },
    timeout: 60_000,
  });
  return { code: res.status, stdout: res.stdout.trim(), stderr: res.stderr };
}

function eventFile(payload: object): string {
  const file = path.join(dir, `event-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(payload));
  return file;
}

describe('scripts/ensure-vtid.sh', () => {
  it('fails with a clear message when no PR title, branch or commit names a VTID', () => {
    commit('chore: tidy up');
    const res = ensure({ GITHUB_HEAD_REF: 'feature/tidy', PR_TITLE: 'Tidy up' });
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain('ensure-vtid: no VTID found in the PR title, branch name or commit messages.');
    expect(res.stderr).toContain('- PR title: "Tidy up"');
    expect(res.stderr).toContain('- branch: "feature/tidy"');
    expect(res.stderr).toContain('- commit message: "chore: tidy up"');
  });

  it('prefers the PR title (from the event payload) over branch and commit', () => {
    commit('DEV-CICDL-0003 in the commit');
    const event = eventFile({ pull_request: { title: 'DEV-CICDL-0001: Pulumi program', head: { ref: 'x' } } });
    const res = ensure({ GITHUB_EVENT_PATH: event, GITHUB_HEAD_REF: 'feature/dev-cicdl-0002' });
    expect(res).toMatchObject({ code: 0, stdout: 'DEV-CICDL-0001' });
    expect(res.stderr).toContain('(from the PR title)');
  });

  it('falls back to the branch name, matched case-insensitively and stored upper-case', () => {
    commit('no id here');
    const res = ensure({ PR_TITLE: 'Add the deploy program', GITHUB_HEAD_REF: 'feature/dev-cicdl-0031-pulumi' });
    expect(res).toMatchObject({ code: 0, stdout: 'DEV-CICDL-0031' });
    expect(res.stderr).toContain('(from the branch)');
  });

  it('falls back to the commit message (git log -1), e.g. on a push to main', () => {
    commit('VTID-2026-0042: wire the watcher\n\nlonger body');
    const res = ensure({ GITHUB_REF_NAME: 'main' });
    expect(res).toMatchObject({ code: 0, stdout: 'VTID-2026-0042' });
    expect(res.stderr).toContain('(from the commit message)');
  });

  it('reads commit messages of a push event payload', () => {
    commit('no id here');
    const event = eventFile({ head_commit: { message: 'Merge DEV-OASIS-0007 into main' }, commits: [] });
    expect(ensure({ GITHUB_EVENT_PATH: event, GITHUB_REF_NAME: 'main' })).toMatchObject({ code: 0, stdout: 'DEV-OASIS-0007' });
  });

  it('hands the VTID to later GitHub Actions steps via GITHUB_OUTPUT and GITHUB_ENV', () => {
    const out = path.join(dir, 'out');
    const envFile = path.join(dir, 'env');
    writeFileSync(out, '');
    writeFileSync(envFile, '');
    const res = ensure({ PR_TITLE: 'DEV-CICDL-0031 deploy', GITHUB_OUTPUT: out, GITHUB_ENV: envFile });
    expect(res.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('vtid=DEV-CICDL-0031\n');
    expect(readFileSync(envFile, 'utf8')).toBe('VTID=DEV-CICDL-0031\n');
  });
});

describe('find-vtid sources', () => {
  it('orders PR title, branch, commit messages and reads the PR head of a merge checkout', () => {
    const git = (args: string[]) =>
      ({
        'rev-parse --abbrev-ref HEAD': 'HEAD',
        'log -1 --format=%B': 'Merge abc into def',
        'rev-parse --verify --quiet HEAD^2': 'abc',
        'log -1 --format=%B HEAD^2': 'DEV-CICDL-0099 real commit',
      })[args.join(' ')];
    const sources = collectSources({ PR_TITLE: 'Title' }, git);
    expect(sources).toEqual([
      { kind: 'PR title', text: 'Title' },
      { kind: 'branch', text: 'HEAD' },
      { kind: 'commit message', text: 'Merge abc into def' },
      { kind: 'commit message', text: 'DEV-CICDL-0099 real commit' },
    ]);
    expect(findVtidOfChange(sources)).toEqual({ vtid: 'DEV-CICDL-0099', from: sources[3] });
  });
});
