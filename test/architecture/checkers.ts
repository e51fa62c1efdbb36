import { execFile } from 'node:child_process';
import { join, relative } from 'node:path';
import { ESLint } from 'eslint';
import { z } from 'zod';
import { ROOT } from '../../scripts/layering-doc.js';

/**
 * The two layering checkers run exactly as `npm run lint:layers` runs them, on the real tree or on a
 * scratch tree laid out like runtime/, with the repository's own configs.
 */

export const DEPCRUISE_CONFIG = join(ROOT, '.dependency-cruiser.cjs');
export const ESLINT_CONFIG = join(ROOT, 'eslint.config.mjs');
const DEPCRUISE_BIN = join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruiser.mjs');

export interface Violation {
  rule: string;
  from: string;
  to: string;
}

const CruiseOutputSchema = z.object({
  modules: z.array(z.object({ source: z.string(), dependencies: z.array(z.object({ resolved: z.string() })) })),
  summary: z.object({
    violations: z.array(z.object({ from: z.string(), to: z.string(), rule: z.object({ name: z.string() }) })),
    totalCruised: z.number(),
  }),
});

export interface CruiseResult {
  violations: Violation[];
  /** How many modules it read (a checker that read nothing finds nothing). */
  modules: number;
  /** Every import it saw, as `from -> to` paths. */
  imports: Set<string>;
}

/** dependency-cruiser's findings for `targets` seen from `cwd`. */
export async function cruise(cwd: string, targets: string[]): Promise<CruiseResult> {
  const stdout = await new Promise<string>((resolve, reject) => {
    // A violation exits non-zero; the JSON report on stdout is the answer either way.
    execFile(
      process.execPath,
      [DEPCRUISE_BIN, ...targets, '--config', DEPCRUISE_CONFIG, '--output-type', 'json'],
      { cwd, maxBuffer: 64 * 1024 * 1024, timeout: 60_000 },
      (error, out, stderr) => (out ? resolve(out) : reject(new Error(`dependency-cruiser failed: ${error?.message ?? ''}\n${stderr}`))),
    );
  });
  const { modules, summary } = CruiseOutputSchema.parse(JSON.parse(stdout));
  return {
    violations: summary.violations.map((v) => ({ rule: v.rule.name, from: v.from, to: v.to })),
    modules: summary.totalCruised,
    imports: new Set(modules.flatMap((module) => module.dependencies.map((dependency) => `${module.source} -> ${dependency.resolved}`))),
  };
}

/** ESLint's messages for `targets` seen from `cwd` (paths relative to it), and the files it linted. */
export async function lintClock(cwd: string, targets: string[]): Promise<{ messages: Array<{ file: string; text: string }>; linted: string[] }> {
  const eslint = new ESLint({ cwd, overrideConfigFile: ESLINT_CONFIG });
  const results = await eslint.lintFiles(targets);
  return {
    messages: results.flatMap((result) => result.messages.map((message) => ({ file: relative(cwd, result.filePath), text: message.message }))),
    linted: results.map((result) => relative(cwd, result.filePath)),
  };
}

export function describeViolations(violations: Violation[]): string {
  return violations.map((v) => `${v.rule}: ${v.from} -> ${v.to}`).join('\n');
}
