import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ARCHITECTURE_DOC, loadLayering, renderRulesSection, ROOT, rulesSectionOf, type Layering } from '../../scripts/layering-doc.js';

/**
 * docs/ARCHITECTURE.md lists exactly the rules, seams and domain modules the checkers enforce: its
 * Rules block is the one rendered from layering.cjs, the definition both checkers read.
 */
describe('docs/ARCHITECTURE.md', () => {
  it('lists exactly the rules, seams and domain modules of layering.cjs (else: npx tsx scripts/layering-doc.ts)', () => {
    const layering = loadLayering();
    const section = rulesSectionOf(readFileSync(ARCHITECTURE_DOC, 'utf8'));
    expect(section).toBe(renderRulesSection(layering));
    // The rendering itself carries every rule name and every seam, so equal blocks mean equal lists.
    for (const rule of layering.RULES) expect(section).toContain(`| \`${rule.name}\` |`);
    for (const seam of layering.SEAMS) expect(section).toContain(`| ${seam.from} | \`runtime/${seam.to}\` |`);
  });

  it("maps every runtime/ folder, each as the kind of room the checker treats it as", () => {
    const layering = loadLayering();
    const folders = readdirSync(join(ROOT, 'runtime'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => `runtime/${e.name}`);
    const kinds = new Map<string, string>();
    for (const [, folder, kind] of readFileSync(ARCHITECTURE_DOC, 'utf8').matchAll(/^\| `(runtime\/[\w-]+)\/` \| ([^|]+) \|/gm)) kinds.set(folder!, kind!.trim());
    expect([...kinds.keys()].sort()).toEqual(folders.sort());
    for (const folder of folders) expect(kinds.get(folder), folder).toBe(expectedKind(layering, folder));
  });
});

/** The kind of a runtime/ folder as layering.cjs defines it, in the words of the folder map. */
function expectedKind(layering: Layering, folder: string): string {
  if (folder === layering.CORE) return 'core';
  if (folder === layering.COMPOSITION_ROOT) return 'composition root';
  if (folder === layering.PACKAGES) return 'packages';
  const layer = layering.PLATFORM_LAYERS.find((l) => l.folder === folder);
  if (layer) return `platform layer (uses ${layer.mayUse.map((f) => f.replace(/^runtime\//, '')).join(', ')})`;
  const feature = folder.replace(/^runtime\//, '');
  if (layering.FEATURES.includes(feature)) return layering.PROCESS_FEATURES.includes(feature) ? 'feature, own process' : 'feature';
  return 'not in layering.cjs';
}
