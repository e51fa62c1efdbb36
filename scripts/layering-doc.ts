// The "Rules" section of docs/ARCHITECTURE.md, rendered from layering.cjs (the one definition the
// checkers read). `npx tsx scripts/layering-doc.ts` rewrites the section between its markers;
// test/architecture/layering-doc.test.ts fails when the doc and the definition differ.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const ARCHITECTURE_DOC = join(ROOT, 'docs', 'ARCHITECTURE.md');
export const RULES_START = '<!-- layering-rules:start (generated from layering.cjs by scripts/layering-doc.ts) -->';
export const RULES_END = '<!-- layering-rules:end -->';

const LayeringSchema = z.object({
  CORE: z.string(),
  PLATFORM_LAYERS: z.array(z.object({ folder: z.string(), mayUse: z.array(z.string()), rule: z.string() })),
  COMPOSITION_ROOT: z.string(),
  PACKAGES: z.string(),
  FEATURES: z.array(z.string()),
  PROCESS_FEATURES: z.array(z.string()),
  SEAMS: z.array(z.object({ from: z.string(), to: z.string(), why: z.string() })),
  DOMAIN_MODULES: z.array(z.string()),
  DOMAIN_FORBIDDEN_GLOBALS: z.array(z.string()),
  RULES: z.array(z.object({ name: z.string(), tool: z.enum(['dependency-cruiser', 'eslint']), forbids: z.string(), why: z.string() })),
});
export type Layering = z.infer<typeof LayeringSchema>;

/** layering.cjs, checked against the shape this code relies on (it is plain JavaScript). */
export function loadLayering(): Layering {
  return LayeringSchema.parse(createRequire(import.meta.url)(join(ROOT, 'layering.cjs')));
}

const cell = (text: string) => text.replaceAll('|', '\\|');

/** The generated block, markers included. */
export function renderRulesSection(layering: Layering): string {
  const rules = layering.RULES.map((rule) => `| \`${rule.name}\` | ${rule.tool} | ${cell(rule.forbids)} | ${cell(rule.why)} |`);
  const seams = layering.SEAMS.map((seam) => `| ${seam.from} | \`runtime/${seam.to}\` | ${cell(seam.why)} |`);
  const domain = layering.DOMAIN_MODULES.map((path) => `\`${path}\``).join(', ');
  return [
    RULES_START,
    '| rule | checked by | forbids | why |',
    '|---|---|---|---|',
    ...rules,
    '',
    `Seams (the only imports between features; features: ${layering.FEATURES.join(', ')}):`,
    '',
    '| from | may import | why |',
    '|---|---|---|',
    ...seams,
    '',
    `Domain modules (domain-is-pure and domain-clock): ${domain}.`,
    RULES_END,
  ].join('\n');
}

/** The doc's block between the markers, markers included; null when the markers are missing. */
export function rulesSectionOf(doc: string): string | null {
  const start = doc.indexOf(RULES_START);
  const end = doc.indexOf(RULES_END);
  if (start < 0 || end < start) return null;
  return doc.slice(start, end + RULES_END.length);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const doc = readFileSync(ARCHITECTURE_DOC, 'utf8');
  const current = rulesSectionOf(doc);
  if (current === null) {
    console.error(`docs/ARCHITECTURE.md has no ${RULES_START} … ${RULES_END} block to fill`);
    process.exit(1);
  }
  writeFileSync(ARCHITECTURE_DOC, doc.replace(current, renderRulesSection(loadLayering())));
  console.log('wrote the Rules section of docs/ARCHITECTURE.md');
}
