/**
 * Checks GitHub workflow files against the naming canon (scripts/workflow-canon.ts, docs/WORKFLOWS.md).
 *
 *   npm run lint:workflows                       # every workflow under .github/workflows
 *   npm run lint:workflows -- [--fix] [path...]  # files or directories
 *
 * Prints one `file:line: rule-id message` line per violation on stdout. Exit 0: no violations; 1: some
 * (after --fix: some that could not be fixed); 2: bad usage or a path that does not exist.
 * --fix rewrites names in place and renames files to their canonical names; it never overwrites an
 * existing file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fixWorkflow, formatViolation, lintWorkflow, type Violation } from './workflow-canon.js';

const DEFAULT_DIR = path.join('.github', 'workflows');
const WORKFLOW_FILE = /\.ya?ml$/i;

function usage(message: string): never {
  process.stderr.write(`${message}\nusage: tsx scripts/lint-workflows.ts [--fix] [file-or-directory ...]\n`);
  process.exit(2);
}

/** Files to check: each file argument as is, and the .yml/.yaml files directly in each directory. */
function collectFiles(args: string[]): string[] {
  const files: string[] = [];
  for (const arg of args) {
    if (!fs.existsSync(arg)) usage(`no such file or directory: ${arg}`);
    if (fs.statSync(arg).isDirectory()) {
      // GitHub reads workflows only from the directory itself, not from subdirectories.
      const entries = fs.readdirSync(arg, { withFileTypes: true });
      for (const entry of entries) {
        if (entry.isFile() && WORKFLOW_FILE.test(entry.name)) files.push(path.join(arg, entry.name));
      }
    } else {
      files.push(arg);
    }
  }
  return files.sort();
}

/** Whether `a` and `b` are the same file (a case-only rename on a case-insensitive file system). */
function sameFile(a: string, b: string): boolean {
  const sa = fs.statSync(a);
  const sb = fs.statSync(b);
  return sa.dev === sb.dev && sa.ino === sb.ino;
}

/** Applies the fixes to one file; returns the path the file has afterwards. */
function fixFile(file: string): string {
  const text = fs.readFileSync(file, 'utf8');
  const fixed = fixWorkflow(text, file);
  if (fixed.text !== text) {
    fs.writeFileSync(file, fixed.text);
    process.stderr.write(`fixed names in ${file}\n`);
  }
  if (fixed.fileName === file) return file;
  if (fs.existsSync(fixed.fileName) && !sameFile(file, fixed.fileName)) {
    // The file-name violation stays and is reported; overwriting another workflow would lose it.
    process.stderr.write(`not renaming ${file}: ${fixed.fileName} exists\n`);
    return file;
  }
  fs.renameSync(file, fixed.fileName);
  process.stderr.write(`renamed ${file} -> ${fixed.fileName}\n`);
  return fixed.fileName;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function main(argv: string[]): number {
  const fix = argv.includes('--fix');
  const unknown = argv.find((a) => a.startsWith('-') && a !== '--fix');
  if (unknown) usage(`unknown option: ${unknown}`);
  const paths = argv.filter((a) => a !== '--fix');

  const files = collectFiles(paths.length > 0 ? paths : [DEFAULT_DIR]);
  const violations: Violation[] = [];
  for (const original of files) {
    const file = fix ? fixFile(original) : original;
    violations.push(...lintWorkflow(fs.readFileSync(file, 'utf8'), file));
  }

  for (const v of violations) process.stdout.write(`${formatViolation(v)}\n`);
  // The summary goes to stderr so stdout stays one violation per line for tools; it counts the files
  // that have violations, not the files read, and says so when all is well (silence looked like a hang).
  const offending = new Set(violations.map((v) => v.file)).size;
  if (violations.length > 0) {
    process.stderr.write(`${plural(violations.length, 'workflow canon violation')} in ${plural(offending, 'file')} (of ${plural(files.length, 'file')} checked)\n`);
    return 1;
  }
  process.stderr.write(`${plural(files.length, 'workflow file')} checked: no violations\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
