/**
 * The naming canon for this repo's GitHub workflows, as pure functions (text in, violations or fixed
 * text out) so the rules are tested on plain strings and the CLI (scripts/lint-workflows.ts) stays thin.
 *
 * The canon (docs/WORKFLOWS.md explains why):
 *  - `name:` is present and UPPERCASE;
 *  - `run-name:` is present and contains VTID_EXPRESSION, so each run in the Actions list shows the PR
 *    title (pull requests) or the branch (everything else), which carry the VTID;
 *  - every job has a `name:` that is UPPERCASE;
 *  - the file is named after the workflow: lower-case kebab-case of `name:` plus `.yml`.
 * "UPPERCASE" means: no lower-case letter outside `${{ … }}` expressions (expressions are code, and
 * upper-casing `matrix.node` would break them).
 */
import path from 'node:path';
import { LineCounter, Scalar, isMap, isScalar, parseDocument, stringify, type Document, type Pair, type YAMLMap } from 'yaml';

/** Every rule the lint checks, in the order docs/WORKFLOWS.md lists them. */
export const RULES = [
  'yaml-invalid',
  'workflow-shape',
  'workflow-name-missing',
  'workflow-name-case',
  'run-name-missing',
  'run-name-vtid',
  'job-name-missing',
  'job-name-case',
  'file-name',
] as const;

export type RuleId = (typeof RULES)[number];

export interface Violation {
  file: string;
  /** 1-based. Rules about something missing at the top level point at line 1. */
  line: number;
  rule: RuleId;
  message: string;
}

/**
 * The expression every run-name must contain. On pull_request events the PR title is set and wins; on
 * every other event it is empty and the branch or tag name (`github.ref_name`) is used. Both carry the
 * VTID by the repo's conventions (scripts/ensure-vtid.sh enforces it before anything deploys).
 */
export const VTID_EXPRESSION = '${{ github.event.pull_request.title || github.ref_name }}';

/** Separator between the workflow name and the VTID expression in a generated run-name. */
const RUN_NAME_SEPARATOR = ' · ';

const EXPRESSION = /\$\{\{[\s\S]*?\}\}/g;
const LOWER_CASE_LETTER = /\p{Ll}/u;
const CANONICAL_FILE_NAME = /^[a-z0-9]+(?:-[a-z0-9]+)*\.yml$/;

/** `file:line: rule-id message`, the one output format of the lint. */
export function formatViolation(v: Violation): string {
  return `${v.file}:${v.line}: ${v.rule} ${v.message}`;
}

/** True when `text` has no lower-case letter outside `${{ … }}` expressions. */
export function isUpperCaseName(text: string): boolean {
  return !LOWER_CASE_LETTER.test(text.replace(EXPRESSION, ''));
}

/** Upper-cases `text` except inside `${{ … }}` expressions. */
export function toUpperCaseName(text: string): string {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(EXPRESSION)) {
    out += text.slice(last, m.index).toUpperCase() + m[0];
    last = m.index + m[0].length;
  }
  return out + text.slice(last).toUpperCase();
}

/** `TEST`, `DB MIGRATE` → `test.yml`, `db-migrate.yml`. Null when the name has no letter or digit. */
export function canonicalFileName(workflowName: string): string | null {
  const stem = workflowName
    .replace(EXPRESSION, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return stem ? `${stem}.yml` : null;
}

/** A name made from an identifier (job id, file stem): `unit-tests`, `unit_tests` → `UNIT TESTS`. */
export function nameFromIdentifier(id: string): string {
  return id.replace(/[-_\s]+/g, ' ').trim().toUpperCase();
}

/**
 * Whether `runName` contains VTID_EXPRESSION. Whitespace inside `${{ }}` does not matter: the canonical
 * expression has no string literal, so whitespace in it is never significant.
 */
export function hasVtidExpression(runName: string): boolean {
  const wanted = normalizeExpression(VTID_EXPRESSION);
  for (const m of runName.matchAll(EXPRESSION)) {
    if (normalizeExpression(m[0]) === wanted) return true;
  }
  return false;
}

function normalizeExpression(expr: string): string {
  return expr.slice(3, -2).replace(/\s+/g, '');
}

function stemOf(fileName: string): string {
  return path.basename(fileName).replace(/\.ya?ml$/i, '');
}

// ---------------------------------------------------------------------------------------------------
// Reading the document

interface Parsed {
  doc: Document.Parsed;
  lines: LineCounter;
}

function parse(text: string): Parsed {
  const lines = new LineCounter();
  // prettyErrors off: we format positions ourselves, one line per error.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  return { doc, lines };
}

function findPair(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((p) => isScalar(p.key) && p.key.value === key);
}

/** The pair's value as a string when it is a non-empty scalar; null otherwise (missing, empty, a map). */
function scalarText(pair: Pair | undefined): string | null {
  if (!pair || !isScalar(pair.value)) return null;
  const value = pair.value.value;
  if (value === null || value === undefined) return null;
  const text = String(value);
  return text.trim() === '' ? null : text;
}

function lineOfNode(node: unknown, lines: LineCounter): number {
  if ((isScalar(node) || isMap(node)) && node.range) return lines.linePos(node.range[0]).line;
  return 1;
}

/** The value's line when it has one (`name:` with a value), else the key's line. */
function lineOfPair(pair: Pair, lines: LineCounter): number {
  if (isScalar(pair.value) && pair.value.range && pair.value.source !== '') return lineOfNode(pair.value, lines);
  return lineOfNode(pair.key, lines);
}

// ---------------------------------------------------------------------------------------------------
// Lint

/**
 * Every violation of the canon in one workflow file. `fileName` is used as given in the violations and
 * its base name is checked against the file-name rule.
 */
export function lintWorkflow(text: string, fileName: string): Violation[] {
  const found: Violation[] = [];
  const add = (line: number, rule: RuleId, message: string): void => {
    found.push({ file: fileName, line, rule, message });
  };
  const { doc, lines } = parse(text);
  const base = path.basename(fileName);

  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      add(lines.linePos(e.pos[0]).line, 'yaml-invalid', firstLine(e.message));
    }
    // Without a readable name only the shape of the file name can be checked.
    if (!CANONICAL_FILE_NAME.test(base)) {
      add(1, 'file-name', `file name "${base}" must be lower-case kebab-case ending in .yml`);
    }
    return sortByLine(found);
  }

  const root = doc.contents;
  if (!isMap(root)) {
    add(lineOfNode(root, lines), 'workflow-shape', 'the file must be a mapping with name, run-name, on and jobs');
    return sortByLine(found);
  }

  const namePair = findPair(root, 'name');
  const name = scalarText(namePair);
  if (name === null) {
    add(namePair ? lineOfPair(namePair, lines) : 1, 'workflow-name-missing', 'workflow has no name: (canon: an UPPERCASE name)');
  } else if (!isUpperCaseName(name)) {
    add(lineOfPair(namePair!, lines), 'workflow-name-case', `workflow name "${name}" must be UPPERCASE: "${toUpperCaseName(name)}"`);
  }

  const runNamePair = findPair(root, 'run-name');
  const runName = scalarText(runNamePair);
  if (runName === null) {
    add(runNamePair ? lineOfPair(runNamePair, lines) : 1, 'run-name-missing', `workflow has no run-name: (canon: it contains ${VTID_EXPRESSION})`);
  } else if (!hasVtidExpression(runName)) {
    add(lineOfPair(runNamePair!, lines), 'run-name-vtid', `run-name must contain ${VTID_EXPRESSION} so the run shows its VTID`);
  }

  const jobsPair = findPair(root, 'jobs');
  if (!jobsPair || !isMap(jobsPair.value)) {
    add(jobsPair ? lineOfPair(jobsPair, lines) : 1, 'workflow-shape', 'workflow has no jobs: mapping');
  } else {
    for (const job of jobsPair.value.items) {
      const jobId = isScalar(job.key) ? String(job.key.value) : '?';
      if (!isMap(job.value)) {
        add(lineOfNode(job.key, lines), 'workflow-shape', `job "${jobId}" must be a mapping`);
        continue;
      }
      const jobNamePair = findPair(job.value, 'name');
      const jobName = scalarText(jobNamePair);
      if (jobName === null) {
        add(lineOfNode(job.key, lines), 'job-name-missing', `job "${jobId}" has no name: (canon: "${nameFromIdentifier(jobId)}")`);
      } else if (!isUpperCaseName(jobName)) {
        add(lineOfPair(jobNamePair!, lines), 'job-name-case', `job "${jobId}" name "${jobName}" must be UPPERCASE: "${toUpperCaseName(jobName)}"`);
      }
    }
  }

  const wanted = name === null ? null : canonicalFileName(name);
  if (wanted !== null && base !== wanted) {
    add(1, 'file-name', `file name "${base}" must be "${wanted}" (kebab-case of the workflow name)`);
  } else if (wanted === null && !CANONICAL_FILE_NAME.test(base)) {
    add(1, 'file-name', `file name "${base}" must be lower-case kebab-case ending in .yml`);
  }

  return sortByLine(found);
}

function firstLine(message: string): string {
  return message.split('\n', 1)[0] ?? message;
}

function sortByLine(violations: Violation[]): Violation[] {
  // Array.prototype.sort is stable, so rules on one line keep the order they were found in.
  return violations.sort((a, b) => a.line - b.line);
}

// ---------------------------------------------------------------------------------------------------
// Fix

export interface FixResult {
  text: string;
  /** `fileName` with its base name replaced by the canonical one (same directory). */
  fileName: string;
}

/** Replace `text.slice(start, end)` with `insert`; an insertion has start === end. */
interface Edit {
  start: number;
  end: number;
  insert: string;
}

/**
 * Rewrites the names to the canon: upper-cases workflow and job names; adds a missing workflow name
 * (from the file name), a missing run-name (`<NAME> · VTID_EXPRESSION`), the VTID expression to a
 * run-name that lacks it, and missing job names (from the job id); and returns the canonical file name.
 *
 * The yaml Document locates the nodes, and the fix splices text at their source ranges instead of
 * re-serializing the document: re-serializing keeps comments but re-folds block scalars and re-spaces
 * flow collections, while a splice leaves every byte it does not touch as it was. Invalid YAML is
 * returned unchanged: a guess could change its meaning.
 */
export function fixWorkflow(text: string, fileName: string): FixResult {
  const { doc, lines } = parse(text);
  const root = doc.contents;
  if (doc.errors.length > 0 || !isMap(root)) return { text, fileName };

  const edits: Edit[] = [];

  // Workflow name and run-name. A missing run-name goes right after name: so the two read together.
  const namePair = findPair(root, 'name');
  let name = scalarText(namePair);
  const runNamePair = findPair(root, 'run-name');
  const runName = scalarText(runNamePair);
  const newLines: string[] = [];
  if (name === null) {
    name = nameFromIdentifier(stemOf(fileName));
    if (namePair) edits.push(replaceValue(text, namePair, name));
    else newLines.push(`name: ${renderScalar(name, Scalar.PLAIN)}`);
  } else if (!isUpperCaseName(name)) {
    name = toUpperCaseName(name);
    edits.push(replaceValue(text, namePair!, name));
  }
  const canonicalRunName = `${name}${RUN_NAME_SEPARATOR}${VTID_EXPRESSION}`;
  if (runName === null) {
    if (runNamePair) edits.push(replaceValue(text, runNamePair, canonicalRunName, Scalar.QUOTE_DOUBLE));
    else if (namePair) pushEdit(edits, insertLinesAfter(text, lines, root, namePair, [`run-name: ${renderScalar(canonicalRunName, Scalar.QUOTE_DOUBLE)}`]));
    else newLines.push(`run-name: ${renderScalar(canonicalRunName, Scalar.QUOTE_DOUBLE)}`);
  } else if (!hasVtidExpression(runName)) {
    edits.push(replaceValue(text, runNamePair!, `${runName}${RUN_NAME_SEPARATOR}${VTID_EXPRESSION}`));
  }
  if (newLines.length > 0) pushEdit(edits, insertLinesFirst(text, lines, root, newLines));

  // Job names. A missing one becomes the job's first key, where a reader looks for it.
  const jobsPair = findPair(root, 'jobs');
  if (jobsPair && isMap(jobsPair.value)) {
    for (const job of jobsPair.value.items) {
      if (!isScalar(job.key) || !isMap(job.value)) continue;
      const jobNamePair = findPair(job.value, 'name');
      const jobName = scalarText(jobNamePair);
      if (jobName === null) {
        const derived = nameFromIdentifier(String(job.key.value));
        if (jobNamePair) edits.push(replaceValue(text, jobNamePair, derived));
        else pushEdit(edits, insertLinesFirst(text, lines, job.value, [`name: ${renderScalar(derived, Scalar.PLAIN)}`]));
      } else if (!isUpperCaseName(jobName)) {
        edits.push(replaceValue(text, jobNamePair!, toUpperCaseName(jobName)));
      }
    }
  }

  const wanted = canonicalFileName(name);
  const fixedFileName = wanted === null ? fileName : path.join(path.dirname(fileName), wanted);
  const fixedText = applyEdits(text, edits);
  // A safety net, not an expected path: a fix must never turn a readable workflow into an unreadable one.
  if (parseDocument(fixedText).errors.length > 0) return { text, fileName };
  return { text: fixedText, fileName: fixedFileName };
}

type ScalarType = Scalar['type'];

/**
 * `value` as YAML source in the given style. Quoted styles stay quoted; a plain scalar stays plain
 * unless the new value needs quotes (yaml's stringify decides, e.g. `TRUE` would read as a boolean).
 */
function renderScalar(value: string, type: ScalarType): string {
  // JSON string escapes are valid YAML double-quoted escapes.
  if (type === Scalar.QUOTE_DOUBLE) return JSON.stringify(value);
  if (type === Scalar.QUOTE_SINGLE) return `'${value.replaceAll("'", "''")}'`;
  if (type === Scalar.PLAIN || type === undefined) return stringify(value, { lineWidth: 0 }).trimEnd();
  // A block scalar (`|`, `>`) for a name is odd; a one-line double-quoted string is the safe rewrite.
  return JSON.stringify(value);
}

/** Replaces the pair's value, keeping its quoting style (or using `type` when it has no value yet). */
function replaceValue(text: string, pair: Pair, value: string, type?: ScalarType): Edit {
  const node = pair.value;
  if (isScalar(node) && node.range && node.source !== '') {
    const [start, end] = node.range;
    let insert = renderScalar(value, type ?? node.type);
    // A block scalar's range ends after its last line break; the replacement must keep that break.
    if (text[end - 1] === '\n') insert += '\n';
    return { start, end, insert };
  }
  // `name:` with nothing after it: the value goes right after the key's colon.
  const keyEnd = isScalar(pair.key) && pair.key.range ? pair.key.range[1] : 0;
  const colon = text.indexOf(':', keyEnd);
  return { start: colon + 1, end: colon + 1, insert: ` ${renderScalar(value, type ?? Scalar.PLAIN)}` };
}

/**
 * Inserts whole lines as the first entries of a block map, indented like its first key. Null for a map
 * that is empty or written in flow style (`{ a: 1 }`): there is no line to put them on, so that
 * violation stays and the lint reports it.
 */
function insertLinesFirst(text: string, lines: LineCounter, map: YAMLMap, newLines: string[]): Edit | null {
  const first = map.items[0];
  if (map.flow || !first || !isScalar(first.key) || !first.key.range) return null;
  const keyStart = first.key.range[0];
  const lineStart = lines.lineStarts[lines.linePos(keyStart).line - 1] ?? 0;
  const indent = text.slice(lineStart, keyStart);
  if (indent.trim() !== '') return null;
  // Comments above the first key stay above the map: they describe it (a file header, a job note).
  return { start: lineStart, end: lineStart, insert: newLines.map((l) => `${indent}${l}\n`).join('') };
}

/** Inserts whole lines right after the line where the pair's value ends, indented like its key. */
function insertLinesAfter(text: string, lines: LineCounter, map: YAMLMap, pair: Pair, newLines: string[]): Edit | null {
  // In a flow mapping the next line may still be inside the braces.
  if (map.flow) return null;
  const keyStart = isScalar(pair.key) && pair.key.range ? pair.key.range[0] : 0;
  const valueEnd = isScalar(pair.value) && pair.value.range ? pair.value.range[1] : keyStart;
  const indent = ' '.repeat(lines.linePos(keyStart).col - 1);
  const body = newLines.map((l) => `${indent}${l}\n`).join('');
  if (valueEnd > 0 && text[valueEnd - 1] === '\n') return { start: valueEnd, end: valueEnd, insert: body };
  const eol = text.indexOf('\n', valueEnd);
  if (eol === -1) return { start: text.length, end: text.length, insert: `\n${body}` };
  return { start: eol + 1, end: eol + 1, insert: body };
}

function pushEdit(edits: Edit[], edit: Edit | null): void {
  if (edit) edits.push(edit);
}

function applyEdits(text: string, edits: Edit[]): string {
  // From the end backwards, so each edit's offsets are still those of the original text. Two inserts
  // at one offset keep their order: the later edit goes in first, then the earlier one before it.
  const ordered = edits.map((e, i) => ({ e, i })).sort((a, b) => b.e.start - a.e.start || b.i - a.i);
  let out = text;
  for (const { e } of ordered) out = out.slice(0, e.start) + e.insert + out.slice(e.end);
  return out;
}
