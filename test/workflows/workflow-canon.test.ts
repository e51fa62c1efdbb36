/**
 * The workflow naming canon as pure functions: each fixture in test/fixtures/workflows breaks one rule,
 * and the lint must report exactly that; --fix output must pass the lint and keep every other line.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  RULES,
  VTID_EXPRESSION,
  canonicalFileName,
  fixWorkflow,
  formatViolation,
  hasVtidExpression,
  isUpperCaseName,
  lintWorkflow,
  nameFromIdentifier,
  toUpperCaseName,
  type RuleId,
} from '../../scripts/workflow-canon.js';

const REPO = path.resolve(import.meta.dirname, '../..');
const FIXTURES = path.join(REPO, 'test/fixtures/workflows');
const OWN_WORKFLOWS = path.join(REPO, '.github/workflows');

/** Per fixture: the exact violations as [line, rule]. A new fixture needs an entry here. */
const EXPECTED: Record<string, Array<[number, RuleId]>> = {
  'Bad_File.yaml': [[1, 'file-name']],
  'invalid-yaml.yml': [[5, 'yaml-invalid']],
  'lower-case-job-name.yml': [[7, 'job-name-case']],
  'lower-case-name.yml': [[2, 'workflow-name-case']],
  'missing-job-name.yml': [[6, 'job-name-missing']],
  'missing-jobs.yml': [[1, 'workflow-shape']],
  'missing-name.yml': [[1, 'workflow-name-missing']],
  'missing-run-name.yml': [[1, 'run-name-missing']],
  'run-name-without-vtid.yml': [[4, 'run-name-vtid']],
};

/** Rules --fix cannot repair: the file is not YAML, or a workflow has no jobs to name. */
const UNFIXABLE: ReadonlySet<RuleId> = new Set<RuleId>(['yaml-invalid', 'workflow-shape']);

/** Rules whose fix rewrites the flagged line (the others only add lines or rename the file). */
const REWRITES_LINE: ReadonlySet<RuleId> = new Set<RuleId>(['workflow-name-case', 'run-name-vtid', 'job-name-case']);

function read(dir: string, name: string): string {
  return fs.readFileSync(path.join(dir, name), 'utf8');
}

/** Whether `needles` occur in `haystack` in order (other lines may sit between them). */
function isSubsequence(needles: string[], haystack: string[]): boolean {
  let i = 0;
  for (const line of haystack) if (i < needles.length && line === needles[i]) i++;
  return i === needles.length;
}

describe('lintWorkflow on the fixtures', () => {
  it('has an expectation for every fixture and a fixture for every rule', () => {
    expect(fs.readdirSync(FIXTURES).sort()).toEqual(Object.keys(EXPECTED).sort());
    const covered = new Set(Object.values(EXPECTED).flatMap((list) => list.map(([, rule]) => rule)));
    expect([...RULES].filter((rule) => !covered.has(rule))).toEqual([]);
  });

  for (const [name, expected] of Object.entries(EXPECTED)) {
    it(`reports exactly ${expected.map(([line, rule]) => `${rule}@${line}`).join(', ')} in ${name}`, () => {
      const file = `fixtures/${name}`;
      const found = lintWorkflow(read(FIXTURES, name), file);
      expect(found.map((v) => [v.file, v.line, v.rule])).toEqual(expected.map(([line, rule]) => [file, line, rule]));
    });
  }

  it('formats a violation as file:line: rule-id message', () => {
    const [v] = lintWorkflow(read(FIXTURES, 'lower-case-name.yml'), '.github/workflows/lower-case-name.yml');
    expect(formatViolation(v!)).toBe(
      '.github/workflows/lower-case-name.yml:2: workflow-name-case workflow name "lower case name" must be UPPERCASE: "LOWER CASE NAME"',
    );
  });
});

describe('fixWorkflow on the fixtures', () => {
  for (const [name, expected] of Object.entries(EXPECTED)) {
    it(`fixes ${name} so that only unfixable rules remain, keeping every other line`, () => {
      const original = read(FIXTURES, name);
      const fixed = fixWorkflow(original, name);
      const remaining = lintWorkflow(fixed.text, fixed.fileName);
      expect(remaining.map((v) => v.rule)).toEqual(expected.map(([, rule]) => rule).filter((rule) => UNFIXABLE.has(rule)));

      // Comments and layout: every line the fix had no reason to rewrite is still there, in order.
      const rewritten = new Set(expected.filter(([, rule]) => REWRITES_LINE.has(rule)).map(([line]) => line));
      const kept = original.split('\n').filter((_, i) => !rewritten.has(i + 1));
      expect(isSubsequence(kept, fixed.text.split('\n'))).toBe(true);

      // A second pass has nothing left to do.
      expect(fixWorkflow(fixed.text, fixed.fileName)).toEqual(fixed);
    });
  }

  it('renames Bad_File.yaml after its workflow name, in the same directory', () => {
    expect(fixWorkflow(read(FIXTURES, 'Bad_File.yaml'), 'some/dir/Bad_File.yaml').fileName).toBe(
      path.join('some/dir', 'bad-file-name.yml'),
    );
  });

  it('adds a missing job name derived from the job id as the first key, below the job comment', () => {
    const fixed = fixWorkflow(read(FIXTURES, 'missing-job-name.yml'), 'missing-job-name.yml').text;
    expect(fixed).toContain(
      ['  unit-tests:', "    # The job's comment must survive --fix.", '    name: UNIT TESTS', '    runs-on: ubuntu-24.04'].join('\n'),
    );
  });

  it('adds a missing workflow name from the file name, below the header comment', () => {
    const fixed = fixWorkflow(read(FIXTURES, 'missing-name.yml'), 'missing-name.yml').text;
    expect(fixed.split('\n').slice(0, 3)).toEqual([
      '# Fixture: breaks workflow-name-missing (line 1) and nothing else.',
      'name: MISSING NAME',
      `run-name: "MISSING NAME · ${VTID_EXPRESSION}"`,
    ]);
  });

  it('adds a missing run-name right after name:', () => {
    const fixed = fixWorkflow(read(FIXTURES, 'missing-run-name.yml'), 'missing-run-name.yml').text;
    expect(fixed).toContain(`name: MISSING RUN NAME\nrun-name: "MISSING RUN NAME · ${VTID_EXPRESSION}"\non: push\n`);
  });

  it('appends the VTID expression to a run-name that lacks it and keeps the rest', () => {
    const fixed = fixWorkflow(read(FIXTURES, 'run-name-without-vtid.yml'), 'run-name-without-vtid.yml').text;
    expect(fixed).toContain(`run-name: "RUN NAME WITHOUT VTID by @\${{ github.actor }} · ${VTID_EXPRESSION}"\n`);
  });

  it('leaves expressions in a job name alone and keeps the trailing comment', () => {
    const fixed = fixWorkflow(read(FIXTURES, 'lower-case-job-name.yml'), 'lower-case-job-name.yml').text;
    expect(fixed).toContain('    name: UNIT TESTS # lower-case letters outside an expression\n');
    expect(fixed).toContain('    name: TEST (${{ matrix.node }})\n');
  });

  it('returns invalid YAML unchanged', () => {
    const original = read(FIXTURES, 'invalid-yaml.yml');
    expect(fixWorkflow(original, 'invalid-yaml.yml')).toEqual({ text: original, fileName: 'invalid-yaml.yml' });
  });
});

describe('the repo\'s own workflows', () => {
  const files = fs.readdirSync(OWN_WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));

  it('are TEST, PREVIEW and DEPLOY', () => {
    expect(files.sort()).toEqual(['deploy.yml', 'preview.yml', 'test.yml']);
  });

  for (const file of files) {
    it(`${file} follows the canon, and --fix leaves it byte for byte`, () => {
      const text = read(OWN_WORKFLOWS, file);
      expect(lintWorkflow(text, file)).toEqual([]);
      expect(fixWorkflow(text, file)).toEqual({ text, fileName: file });
    });
  }
});

describe('the canon on inline workflows', () => {
  const RUN_NAME = `run-name: "X · ${VTID_EXPRESSION}"`;

  it('treats only lower-case letters outside ${{ }} as breaking UPPERCASE', () => {
    expect(isUpperCaseName('TEST (${{ matrix.node }})')).toBe(true);
    expect(isUpperCaseName('TEST 2 · NODE-24')).toBe(true);
    expect(isUpperCaseName('Test')).toBe(false);
    expect(isUpperCaseName('TÉST')).toBe(true);
    expect(isUpperCaseName('TéST')).toBe(false);
    expect(toUpperCaseName('unit ${{ matrix.os }} tests')).toBe('UNIT ${{ matrix.os }} TESTS');
  });

  it('derives file names and job names', () => {
    expect(canonicalFileName('TEST')).toBe('test.yml');
    expect(canonicalFileName('DB  MIGRATE / NIGHTLY')).toBe('db-migrate-nightly.yml');
    expect(canonicalFileName('${{ github.ref }}')).toBeNull();
    expect(nameFromIdentifier('unit-tests')).toBe('UNIT TESTS');
    expect(nameFromIdentifier('build_image')).toBe('BUILD IMAGE');
  });

  it('finds the VTID expression whatever the whitespace inside ${{ }}', () => {
    expect(hasVtidExpression(`TEST · ${VTID_EXPRESSION}`)).toBe(true);
    expect(hasVtidExpression('${{github.event.pull_request.title||github.ref_name}}')).toBe(true);
    expect(hasVtidExpression('${{ github.ref_name }}')).toBe(false);
    expect(hasVtidExpression('${{ github.ref_name || github.event.pull_request.title }}')).toBe(false);
    expect(hasVtidExpression('github.event.pull_request.title || github.ref_name')).toBe(false);
  });

  it('fixes every rule at once in one file', () => {
    const text = [
      '# header',
      'on: push',
      'jobs:',
      '  build:',
      '    name:',
      '    runs-on: ubuntu-24.04',
      '  unit_tests:',
      "    name: 'Unit ${{ matrix.node }}' # quoted",
      '    runs-on: ubuntu-24.04',
      '  lint:',
      '    runs-on: ubuntu-24.04', // no trailing newline at the end of the file
    ].join('\n');
    expect(lintWorkflow(text, 'dir/ci_checks.yaml').map((v) => `${v.line} ${v.rule}`)).toEqual([
      '1 workflow-name-missing',
      '1 run-name-missing',
      '1 file-name',
      '4 job-name-missing',
      '8 job-name-case',
      '10 job-name-missing',
    ]);
    const fixed = fixWorkflow(text, 'dir/ci_checks.yaml');
    expect(fixed.fileName).toBe(path.join('dir', 'ci-checks.yml'));
    expect(fixed.text).toBe(
      [
        '# header',
        'name: CI CHECKS',
        `run-name: "CI CHECKS · ${VTID_EXPRESSION}"`,
        'on: push',
        'jobs:',
        '  build:',
        '    name: BUILD',
        '    runs-on: ubuntu-24.04',
        '  unit_tests:',
        "    name: 'UNIT ${{ matrix.node }}' # quoted",
        '    runs-on: ubuntu-24.04',
        '  lint:',
        '    name: LINT',
        '    runs-on: ubuntu-24.04',
      ].join('\n'),
    );
    expect(lintWorkflow(fixed.text, fixed.fileName)).toEqual([]);
  });

  it('rewrites a block-scalar name as one quoted line and quotes a name YAML would read as a boolean', () => {
    const text = ['name: |', '  test', RUN_NAME, 'on: push', 'jobs:', '  a:', '    name: true', '    runs-on: x', ''].join('\n');
    const fixed = fixWorkflow(text, 'test.yml').text;
    expect(fixed).toBe(['name: "TEST\\n"', RUN_NAME, 'on: push', 'jobs:', '  a:', '    name: "TRUE"', '    runs-on: x', ''].join('\n'));
    expect(lintWorkflow(fixed, 'test.yml')).toEqual([]);
  });

  it('leaves a flow-style job without a name to the lint instead of guessing a layout', () => {
    const text = ['name: FLOW', RUN_NAME, 'on: push', 'jobs:', '  a: { runs-on: x }', ''].join('\n');
    const fixed = fixWorkflow(text, 'flow.yml');
    expect(fixed.text).toBe(text);
    expect(lintWorkflow(fixed.text, fixed.fileName).map((v) => v.rule)).toEqual(['job-name-missing']);
  });

  it('renames a flow-style workflow but adds no line to it', () => {
    const text = `{name: flow, on: push, jobs: {a: {name: A, runs-on: x}}}\n`;
    const fixed = fixWorkflow(text, 'Flow.yml');
    expect(fixed).toEqual({ text: `{name: FLOW, on: push, jobs: {a: {name: A, runs-on: x}}}\n`, fileName: 'flow.yml' });
    expect(lintWorkflow(fixed.text, fixed.fileName).map((v) => v.rule)).toEqual(['run-name-missing']);
  });

  it('reports a document that is not a mapping', () => {
    expect(lintWorkflow('- a\n- b\n', 'list.yml').map((v) => `${v.line} ${v.rule}`)).toEqual(['1 workflow-shape']);
  });
});
