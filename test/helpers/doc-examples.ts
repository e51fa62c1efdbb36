import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The shell examples of README.md and docs/*.md, as a reader copies them. A block runs against a local
 * gateway with `GW` and `TOKEN` exported (the README's one `export GW=… TOKEN=…` line) unless the line
 * before its fence says otherwise:
 *
 *   <!-- example: not-local (why) -->   needs something this machine does not have (GCP, GitHub, Pulumi)
 *   <!-- example: not-run (why) -->     runs fine but is not a request (starts a server, the test suite)
 *   <!-- example: setup -->             sets GW/TOKEN itself; the test provides them
 */

export type ExampleMark = 'run' | 'not-local' | 'not-run' | 'setup';

export interface ShellExample {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  mark: ExampleMark;
  /** For not-local / not-run: the reason given. */
  reason: string;
  script: string;
}

const SHELL_FENCE = /^```(sh|bash|shell|console)\s*$/;
const MARK = /^<!--\s*example:\s*(not-local|not-run|setup)\b\s*(?:\((.*)\))?\s*-->$/;

export function docFiles(root: string): string[] {
  const docs = readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => join('docs', name));
  return ['README.md', ...docs];
}

export function shellExamples(root: string, file: string): ShellExample[] {
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  const examples: ShellExample[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!SHELL_FENCE.test(lines[i]!)) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i]!.startsWith('```'); i++) body.push(lines[i]!);
    let previous = start - 1;
    while (previous >= 0 && lines[previous]!.trim() === '') previous--;
    const mark = previous >= 0 ? MARK.exec(lines[previous]!.trim()) : null;
    examples.push({
      file,
      line: start + 1,
      mark: (mark?.[1] as ExampleMark | undefined) ?? 'run',
      reason: mark?.[2] ?? '',
      script: body.join('\n'),
    });
  }
  return examples;
}

/**
 * What a runnable example may not do: name the gateway or a token any other way than $GW and $TOKEN
 * (the docs disagreed: $GATEWAY, localhost, 127.0.0.1, a TOKEN=... of their own).
 */
export function inconsistencies(example: ShellExample): string[] {
  const found: string[] = [];
  if (/\$\{?GATEWAY\b/.test(example.script)) found.push('uses $GATEWAY (the docs say $GW)');
  if (/https?:\/\/(localhost|127\.0\.0\.1)(:\d+)?/.test(example.script)) found.push('names the gateway by address (use $GW)');
  if (/^\s*(export\s+)?(GW|TOKEN)=/m.test(example.script)) found.push('sets GW or TOKEN itself (mark it <!-- example: setup -->)');
  return found;
}
