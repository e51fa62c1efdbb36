import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { loadLayering, ROOT } from '../../scripts/layering-doc.js';

/**
 * A module that says it is pure is held to it: its leading doc comment claiming "Pure" puts it on
 * layering.cjs's DOMAIN_MODULES, the list domain-is-pure and domain-clock check. Without this, a
 * module could promise purity in prose while importing the database, and no checker would look.
 */

/** The file's first comment, as the TypeScript scanner finds it (a `/*` inside a string is no comment). */
function leadingComment(fileName: string, text: string): string | null {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false);
  // The module's doc comment stands before the first statement, or after its imports.
  for (const position of [...source.statements.map((statement) => statement.pos), source.endOfFileToken.pos]) {
    const [first] = ts.getLeadingCommentRanges(text, position) ?? [];
    if (first) return text.slice(first.pos, first.end);
  }
  return null;
}

const claimsPurity = (fileName: string, text: string): boolean => /\bPure\b/.test(leadingComment(fileName, text) ?? '');

/** Every TypeScript source under runtime/, as repository paths; built output and installed packages are not sources. */
function runtimeSources(): string[] {
  return readdirSync(join(ROOT, 'runtime'), { recursive: true, encoding: 'utf8' })
    .map((path) => `runtime/${path.split('\\').join('/')}`)
    .filter((path) => path.endsWith('.ts') && !path.endsWith('.d.ts') && !/(^|\/)(node_modules|dist)\//.test(path));
}

describe('modules whose doc comment says they are pure', () => {
  it('the claim is read from the leading comment only, before or after the imports', () => {
    expect(claimsPurity('a.ts', '/**\n * Pure: values in, values out.\n */\nexport const a = 1;\n')).toBe(true);
    expect(claimsPurity('b.ts', "import { a } from './a.js';\n\n/** The b rules. Pure. */\nexport const b = a;\n")).toBe(true);
    expect(claimsPurity('c.ts', '// Pure data, nothing else.\nexport type C = number;\n')).toBe(true);
    // A function's own comment further down, or the word inside a string, is no claim about the module.
    expect(claimsPurity('d.ts', "/** Reads the database. */\nexport const d = 1;\n/** Pure: a helper. */\nexport const e = 2;\n")).toBe(false);
    expect(claimsPurity('e.ts', "export const text = '/** Pure */';\n")).toBe(false);
    // "pure" in passing (naming another module's nature) is not the module's claim.
    expect(claimsPurity('f.ts', '/** One pass: decide (decide.ts, pure), then act. */\nexport const f = 1;\n')).toBe(false);
  });

  it('are all domain modules in layering.cjs, so the checkers hold them to it', () => {
    const sources = runtimeSources();
    const claiming = sources.filter((path) => claimsPurity(path, readFileSync(join(ROOT, path), 'utf8')));
    // A scan that read nothing would find no module missing.
    expect(sources.length).toBeGreaterThan(100);
    expect(claiming.length).toBeGreaterThan(20);
    const listed = new Set(loadLayering().DOMAIN_MODULES);
    expect(claiming.filter((path) => !listed.has(path))).toEqual([]);
  });
});
