/**
 * The hooks the reconciler watches, as RECONCILE_HOOKS names them. Pure.
 *
 *   repo:OWNER/NAME/HOOK_ID   a repository webhook   (GET /repos/{owner}/{repo}/hooks/{hook_id}/deliveries)
 *   org:ORG/HOOK_ID           an organization webhook (GET /orgs/{org}/hooks/{hook_id}/deliveries)
 *   app                       the GitHub App's webhook (GET /app/hook/deliveries, with the App's JWT)
 *
 * The spec string itself is the hook's key: it names the hook in every event and log line, and is part
 * of the reconciler's idempotency keys, so it must not change for the same hook.
 */

export type Hook =
  | { type: 'repo'; key: string; owner: string; repo: string; hookId: number }
  | { type: 'org'; key: string; org: string; hookId: number }
  | { type: 'app'; key: 'app' };

// GitHub's own rules: an owner or organization is 1-39 letters, digits and inner hyphens; a
// repository name is 1-100 of letters, digits, '.', '_' and '-'.
const OWNER = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})';
const REPO_SPEC = new RegExp(`^repo:(${OWNER})/([A-Za-z0-9._-]{1,100})/([1-9]\\d{0,18})$`);
const ORG_SPEC = new RegExp(`^org:(${OWNER})/([1-9]\\d{0,18})$`);

export const HOOK_SPEC_HELP = 'repo:OWNER/NAME/HOOK_ID, org:ORG/HOOK_ID or app';

/** One spec -> its hook, or null when it is not one of the three forms. */
export function parseHook(spec: string): Hook | null {
  const text = spec.trim();
  if (text === 'app') return { type: 'app', key: 'app' };
  const repo = REPO_SPEC.exec(text);
  if (repo) {
    const hookId = Number(repo[3]);
    if (!Number.isSafeInteger(hookId)) return null;
    return { type: 'repo', key: `repo:${repo[1]}/${repo[2]}/${hookId}`, owner: repo[1]!, repo: repo[2]!, hookId };
  }
  const org = ORG_SPEC.exec(text);
  if (org) {
    const hookId = Number(org[2]);
    if (!Number.isSafeInteger(hookId)) return null;
    return { type: 'org', key: `org:${org[1]}/${hookId}`, org: org[1]!, hookId };
  }
  return null;
}

/** A comma-separated list -> hooks, or the problem with the first entry that is wrong. */
export function parseHookList(list: string): { hooks: Hook[] } | { error: string } {
  const hooks: Hook[] = [];
  const seen = new Set<string>();
  for (const entry of list.split(',').map((item) => item.trim())) {
    if (entry === '') continue;
    const hook = parseHook(entry);
    if (!hook) return { error: `entry "${entry}" is not ${HOOK_SPEC_HELP}` };
    // GitHub compares owner and repository names without case: repo:Acme/x/1 and repo:acme/x/1 are one hook.
    const identity = hook.key.toLowerCase();
    if (seen.has(identity)) return { error: `lists ${hook.key} twice` };
    seen.add(identity);
    hooks.push(hook);
  }
  if (hooks.length === 0) return { error: `is required (comma-separated ${HOOK_SPEC_HELP})` };
  return { hooks };
}

/** The repository a hook belongs to (owner/name), for the events' `repo` column. */
export function repoOf(hook: Hook): string | null {
  return hook.type === 'repo' ? `${hook.owner}/${hook.repo}` : null;
}
