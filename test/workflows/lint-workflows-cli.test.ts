/**
 * The lint CLI as a user runs it (`npx tsx scripts/lint-workflows.ts`): output format, exit codes, and
 * --fix on a temporary copy of the fixtures (the fixtures themselves are never modified).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const REPO = path.resolve(import.meta.dirname, '../..');
const FIXTURES = 'test/fixtures/workflows';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function lint(...args: string[]): Run {
  const result = spawnSync('npx', ['tsx', 'scripts/lint-workflows.ts', ...args], { cwd: REPO, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `file:line: rule-id` of every violation printed, without the messages. */
function locations(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split(' ', 2).join(' '));
}

/** Every fixture's content by name, to prove a run left them alone. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
}

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function copyFixtures(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lint-workflows-'));
  temps.push(dir);
  fs.cpSync(path.join(REPO, FIXTURES), dir, { recursive: true });
  return dir;
}

describe('npx tsx scripts/lint-workflows.ts', () => {
  it("exits 0 on the repo's own .github/workflows (the default), stdout empty and a summary on stderr", () => {
    const run = lint();
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^\d+ workflow files checked: no violations\n$/);
    expect(run.status).toBe(0);
  });

  it('counts the files that have violations, not the files read', () => {
    const dir = copyFixtures();
    const run = lint(path.join(dir, 'lower-case-name.yml'), '.github/workflows/test.yml');
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('1 workflow canon violation in 1 file (of 2 files checked)');
  });

  it('exits 1 on the fixtures and prints each violation as file:line: rule-id message', () => {
    const before = snapshot(path.join(REPO, FIXTURES));
    const run = lint(FIXTURES);
    expect(run.status).toBe(1);
    expect(locations(run.stdout)).toEqual([
      `${FIXTURES}/Bad_File.yaml:1: file-name`,
      `${FIXTURES}/invalid-yaml.yml:5: yaml-invalid`,
      `${FIXTURES}/lower-case-job-name.yml:7: job-name-case`,
      `${FIXTURES}/lower-case-name.yml:2: workflow-name-case`,
      `${FIXTURES}/missing-job-name.yml:6: job-name-missing`,
      `${FIXTURES}/missing-jobs.yml:1: workflow-shape`,
      `${FIXTURES}/missing-name.yml:1: workflow-name-missing`,
      `${FIXTURES}/missing-run-name.yml:1: run-name-missing`,
      `${FIXTURES}/run-name-without-vtid.yml:4: run-name-vtid`,
    ]);
    expect(run.stdout).toContain(
      `${FIXTURES}/lower-case-name.yml:2: workflow-name-case workflow name "lower case name" must be UPPERCASE: "LOWER CASE NAME"\n`,
    );
    expect(snapshot(path.join(REPO, FIXTURES))).toEqual(before);
  });

  it('checks single files given as arguments', () => {
    const run = lint(`${FIXTURES}/missing-run-name.yml`, '.github/workflows/test.yml');
    expect(run.status).toBe(1);
    expect(locations(run.stdout)).toEqual([`${FIXTURES}/missing-run-name.yml:1: run-name-missing`]);
  });

  it('--fix repairs a copy of the fixtures: names rewritten, comments kept, files renamed', () => {
    const dir = copyFixtures();
    const run = lint('--fix', dir);
    // What no fix can repair is still reported, and only that.
    expect(run.status).toBe(1);
    expect(locations(run.stdout)).toEqual([`${dir}/invalid-yaml.yml:5: yaml-invalid`, `${dir}/missing-jobs.yml:1: workflow-shape`]);

    expect(fs.readdirSync(dir).sort()).toEqual([
      'bad-file-name.yml',
      'invalid-yaml.yml',
      'lower-case-job-name.yml',
      'lower-case-name.yml',
      'missing-job-name.yml',
      'missing-jobs.yml',
      'missing-name.yml',
      'missing-run-name.yml',
      'run-name-without-vtid.yml',
    ]);
    // Every comment of every fixture survives, in the file under its new name.
    for (const [name, original] of Object.entries(snapshot(path.join(REPO, FIXTURES)))) {
      const fixed = fs.readFileSync(path.join(dir, name === 'Bad_File.yaml' ? 'bad-file-name.yml' : name), 'utf8');
      for (const comment of original.match(/#.*$/gm) ?? []) expect(fixed).toContain(comment);
    }

    // The fixed files pass, once the two unfixable ones are out of the way.
    fs.rmSync(path.join(dir, 'invalid-yaml.yml'));
    fs.rmSync(path.join(dir, 'missing-jobs.yml'));
    const again = lint(dir);
    expect(again.stdout).toBe('');
    expect(again.status).toBe(0);
  });

  it('--fix never overwrites an existing file when renaming', () => {
    const dir = copyFixtures();
    const taken = path.join(dir, 'bad-file-name.yml');
    fs.writeFileSync(taken, '# another workflow\n');
    const run = lint('--fix', path.join(dir, 'Bad_File.yaml'));
    expect(run.status).toBe(1);
    expect(locations(run.stdout)).toEqual([`${dir}/Bad_File.yaml:1: file-name`]);
    expect(fs.readFileSync(taken, 'utf8')).toBe('# another workflow\n');
  });

  it('exits 2 on an unknown option or a missing path', () => {
    expect(lint('--fxi').status).toBe(2);
    expect(lint('no/such/dir').status).toBe(2);
  });
});
