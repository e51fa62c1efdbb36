/**
 * Which files of the checkout a `docker build` with the repository root as context sends, by the rules
 * Docker applies to .dockerignore (github.com/moby/patternmatcher, used by BuildKit): one pattern per
 * line, `#` comments, `!` re-includes, the last matching pattern wins, and a pattern that matches a
 * folder matches everything in it. Globs: `*` and `?` stay within one path segment, `**` spans any.
 */
import { execFileSync } from 'node:child_process';

interface Pattern {
  exclusion: boolean;
  regex: RegExp;
}

function globToRegex(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      // `**/` matches zero or more folders; a trailing `**` anything below.
      if (glob[i + 2] === '/') {
        out += '(?:.*/)?';
        i += 2;
      } else {
        out += '.*';
        i += 1;
      }
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

export function parseDockerignore(text: string): Pattern[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const exclusion = line.startsWith('!');
      const pattern = (exclusion ? line.slice(1) : line).trim().replace(/^\/+/, '').replace(/\/+$/, '');
      return { exclusion, regex: globToRegex(pattern) };
    });
}

/** Whether `file` (relative, `/`-separated) is left out of the context. */
export function isIgnored(patterns: Pattern[], file: string): boolean {
  const parents = file.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const pattern of patterns) {
    // An inclusion cannot change an ignored=false file, nor an exclusion an ignored one: skip them.
    if (pattern.exclusion !== ignored) continue;
    const matches = pattern.regex.test(file) || parents.some((p) => pattern.regex.test(p));
    if (matches) ignored = !pattern.exclusion;
  }
  return ignored;
}

/** The repository's tracked files, as a fresh checkout (CI) has them. */
export function trackedFiles(root: string): string[] {
  return execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean);
}
