/**
 * Finds the VTID of the current change the way the gateway does (@vitana/vtid): the PR title,
 * then the branch name, then commit messages; the first id found wins. Prints the VTID and exits 0, or
 * explains what was searched and exits 1. Run through scripts/ensure-vtid.sh (CI) or
 * `npx tsx scripts/find-vtid.ts`.
 *
 * Where it looks, in GitHub Actions and locally:
 *  - PR title:  PR_TITLE, else pull_request.title of the event at GITHUB_EVENT_PATH
 *  - branch:    GITHUB_HEAD_REF (PRs), GITHUB_REF_NAME, pull_request.head.ref, else `git rev-parse --abbrev-ref HEAD`
 *  - commits:   head_commit / commits[] messages of a push event, `git log -1 --format=%B`, and, when HEAD
 *               is the merge commit actions/checkout makes for a PR, the PR head's message (HEAD^2)
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { extractVtid } from '@vitana/vtid';

export interface Source {
  kind: 'PR title' | 'branch' | 'commit message';
  text: string;
}

interface EventPayload {
  pull_request?: { title?: string; head?: { ref?: string } };
  head_commit?: { message?: string } | null;
  commits?: { message?: string }[];
}

function readEvent(env: NodeJS.ProcessEnv): EventPayload {
  if (!env.GITHUB_EVENT_PATH) return {};
  try {
    return JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) as EventPayload;
  } catch {
    return {};
  }
}

function git(args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The texts to search, in the gateway's priority order. `runGit` is injectable for tests. */
export function collectSources(env: NodeJS.ProcessEnv, runGit: (args: string[]) => string | undefined = git): Source[] {
  const event = readEvent(env);
  const sources: Source[] = [];
  const add = (kind: Source['kind'], text: string | null | undefined) => {
    if (text && text.trim()) sources.push({ kind, text: text.trim() });
  };

  add('PR title', env.PR_TITLE || event.pull_request?.title);

  const branch = env.GITHUB_HEAD_REF || env.GITHUB_REF_NAME || event.pull_request?.head?.ref;
  add('branch', branch || runGit(['rev-parse', '--abbrev-ref', 'HEAD']));

  add('commit message', event.head_commit?.message);
  for (const commit of event.commits ?? []) add('commit message', commit.message);
  add('commit message', runGit(['log', '-1', '--format=%B']));
  if (runGit(['rev-parse', '--verify', '--quiet', 'HEAD^2'])) add('commit message', runGit(['log', '-1', '--format=%B', 'HEAD^2']));

  return sources;
}

export function findVtidOfChange(sources: Source[]): { vtid: string; from: Source } | null {
  for (const source of sources) {
    const hit = extractVtid([source.text]);
    if (hit) return { vtid: hit.vtid, from: source };
  }
  return null;
}

function main(): number {
  const sources = collectSources(process.env);
  const found = findVtidOfChange(sources);
  if (!found) {
    const searched = sources.length
      ? sources.map((s) => `  - ${s.kind}: ${JSON.stringify(s.text.split('\n')[0])}`).join('\n')
      : '  (nothing: no PR title, branch or commit message available)';
    process.stderr.write(
      'ensure-vtid: no VTID found in the PR title, branch name or commit messages.\n' +
        'Put one in the PR title or branch name, e.g. "DEV-CICDL-0031: ..." or "feature/VTID-2026-0042-...".\n' +
        `Searched:\n${searched}\n`,
    );
    return 1;
  }
  process.stderr.write(`ensure-vtid: ${found.vtid} (from the ${found.from.kind})\n`);
  process.stdout.write(`${found.vtid}\n`);
  // In GitHub Actions, hand it to later steps (the Pulumi program reads VTID when config has none).
  if (process.env.GITHUB_OUTPUT) appendFileSync(process.env.GITHUB_OUTPUT, `vtid=${found.vtid}\n`);
  if (process.env.GITHUB_ENV) appendFileSync(process.env.GITHUB_ENV, `VTID=${found.vtid}\n`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main();
}
