import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ARCHITECTURE_DOC, loadLayering, renderRulesSection, rulesSectionOf } from '../../scripts/layering-doc.js';

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
});
