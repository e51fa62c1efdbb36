import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLayering, ROOT } from '../../scripts/layering-doc.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';
import { cruise, describeViolations, lintClock, type CruiseResult, type Violation } from './checkers.js';

/**
 * Issue 14, "The layering": the rules of docs/ARCHITECTURE.md hold on the real tree, and each one
 * bites: a scratch tree laid out like runtime/ holds one forbidden import per rule (and the imports
 * the rules must let through), and the real configs name exactly the rules broken there.
 */

const layering = loadLayering();

describe('the real tree', () => {
  let result: CruiseResult;
  beforeAll(async () => {
    result = await cruise(ROOT, ['runtime']);
  });

  it('breaks no import rule', () => {
    // Printed on failure: rule name, importing module, imported module.
    expect(describeViolations(result.violations)).toBe('');
    // A checker that resolved nothing would find nothing: it read the whole runtime/ tree.
    expect(result.modules).toBeGreaterThan(100);
  });

  it('uses every declared seam, so the list stays the real one', () => {
    const unused = layering.SEAMS.filter((seam) => {
      const target = `runtime/${seam.to}`;
      return ![...result.imports].some((edge) => edge.startsWith(`runtime/${seam.from}/`) && edge.endsWith(` -> ${target}`));
    });
    expect(unused.map((seam) => `${seam.from} -> ${seam.to}`)).toEqual([]);
  });

  it('reads no clock in a domain module, and lints every domain module listed', async () => {
    const { messages, linted } = await lintClock(ROOT, ['runtime']);
    expect(messages.map((m) => `${m.file}: ${m.text}`)).toEqual([]);
    // A listed module that was renamed away would otherwise drop out of both checks unnoticed.
    expect(layering.DOMAIN_MODULES.filter((path) => !linted.includes(path))).toEqual([]);
  });
});

/** A module importing `x` from each specifier (value imports, so every kind of rule sees them). */
function importing(...specifiers: string[]): string {
  const lines = specifiers.map((specifier, i) => `import { x as x${i} } from '${specifier}';`);
  return `${lines.join('\n')}\nexport const x = [${specifiers.map((_, i) => `x${i}`).join(', ')}];\n`;
}
const LEAF = 'export const x = 1;\n';

/** Laid out like runtime/: the imports each rule must refuse, and some it must allow. */
const SCRATCH_TREE: Record<string, string> = {
  // The workspace packages resolve by name to their sources, as in the repository's tsconfig.
  'tsconfig.json': JSON.stringify({
    compilerOptions: {
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      paths: {
        '@vitana/vtid': ['./runtime/packages/vtid/src/index.ts'],
        '@vitana/agent-heartbeat': ['./runtime/packages/agent-heartbeat/src/index.ts'],
      },
    },
  }),
  'runtime/core/log.ts': LEAF,
  'runtime/db/pool.ts': LEAF,
  'runtime/http/errors.ts': LEAF,
  'runtime/service/serve.ts': LEAF,
  'runtime/events/writer.ts': LEAF,
  'runtime/events/repository.ts': LEAF,
  'runtime/gateway/config.ts': LEAF,
  'runtime/packages/vtid/src/index.ts': LEAF,
  'runtime/packages/agent-heartbeat/src/index.ts': LEAF,
  'infra/config.ts': LEAF,
  // Refused, one rule each.
  'runtime/core/uses-feature.ts': importing('../events/writer.js'),
  // Core uses only the VTID grammar of the packages, even by name.
  'runtime/core/uses-heartbeat.ts': importing('@vitana/agent-heartbeat'),
  // A package's internals by a relative path: from a feature, and from another package.
  'runtime/agents/beats-by-path.ts': importing('../packages/agent-heartbeat/src/send-beat.js'),
  'runtime/packages/agent-heartbeat/src/send-beat.ts': importing('../../vtid/src/index.js'),
  'runtime/db/uses-http.ts': importing('../http/errors.js'),
  'runtime/http/uses-feature.ts': importing('../events/writer.js'),
  'runtime/service/uses-db.ts': importing('../db/pool.js'),
  'runtime/timeline/uses-writer.ts': importing('../events/writer.js'),
  'runtime/board/serves.ts': importing('../service/serve.js'),
  'runtime/metrics/reads-config.ts': importing('../gateway/config.js'),
  // A domain module may not even name hono's types.
  'runtime/metrics/figures.ts': "import type { Context } from 'hono';\nexport type RequestContext = Context;\n",
  // A domain module's value import of a non-domain module (its repository), and the clock as globals.
  'runtime/metrics/window.ts': [
    "import { x as rows } from './repository.js';",
    'export const x = rows;',
    'export const stamps = [Date.now(), new Date(), Date(), process.hrtime()];',
    'export const timers = [setTimeout, globalThis.setTimeout, performance.now()];',
    '// eslint-disable-next-line no-restricted-syntax',
    'export const hidden = Date.now();',
    "export const given = new Date('2026-01-01T00:00:00Z');",
    '',
  ].join('\n'),
  // Not a domain module: may read the clock.
  'runtime/metrics/repository.ts': 'export const x = Date.now();\n',
  'runtime/gateway/app.ts': importing('../../infra/config.js'),
  'runtime/packages/agent-heartbeat/src/start-heartbeat.ts': importing('@vitana/vtid', '../../../http/errors.js'),
  'runtime/packages/vtid/src/logs.ts': importing('../../../core/log.js'),
  'runtime/agents/a.ts': importing('./b.js'),
  'runtime/agents/b.ts': importing('./a.js'),
  'runtime/board/missing.ts': importing('./nowhere.js'),
  // Allowed: a declared seam, a process using service/, the composition root, a type-only import,
  // the packages by name (core: the VTID grammar; a feature: the heartbeat client too).
  'runtime/core/schemas.ts': importing('@vitana/vtid'),
  'runtime/agents/names-the-client.ts': importing('@vitana/agent-heartbeat'),
  'runtime/timeline/reads-events.ts': importing('../events/repository.js'),
  'runtime/watcher/start.ts': importing('../service/serve.js'),
  'runtime/gateway/start.ts': importing('../events/writer.js', '../db/pool.js', '../service/serve.js'),
  'runtime/ledger/ledger-repository.ts': `${importing('../db/pool.js')}export interface LedgerRow { id: number }\n`,
  'runtime/ledger/new-entry.ts': "import type { LedgerRow } from './ledger-repository.js';\nexport type Entry = LedgerRow;\n",
};

const EXPECTED_VIOLATIONS: Array<{ rule: string; from: string; to: string | ReturnType<typeof expect.stringMatching> }> = [
  { rule: 'core-uses-no-feature', from: 'runtime/core/uses-feature.ts', to: 'runtime/events/writer.ts' },
  { rule: 'core-uses-no-feature', from: 'runtime/core/uses-heartbeat.ts', to: 'runtime/packages/agent-heartbeat/src/index.ts' },
  { rule: 'db-uses-only-core', from: 'runtime/db/uses-http.ts', to: 'runtime/http/errors.ts' },
  { rule: 'domain-is-pure', from: 'runtime/metrics/figures.ts', to: expect.stringMatching(/(^|\/)node_modules\/hono\//) },
  { rule: 'domain-is-pure', from: 'runtime/metrics/window.ts', to: 'runtime/metrics/repository.ts' },
  { rule: 'heartbeat-imports-nothing-from-gateway', from: 'runtime/packages/agent-heartbeat/src/start-heartbeat.ts', to: 'runtime/http/errors.ts' },
  { rule: 'http-uses-only-core-and-db', from: 'runtime/http/uses-feature.ts', to: 'runtime/events/writer.ts' },
  // A cycle is reported once, at the module where the cruise entered it.
  { rule: 'no-circular', from: 'runtime/agents/a.ts', to: 'runtime/agents/b.ts' },
  { rule: 'no-feature-internals', from: 'runtime/timeline/uses-writer.ts', to: 'runtime/events/writer.ts' },
  { rule: 'no-unresolvable-import', from: 'runtime/board/missing.ts', to: './nowhere.js' },
  { rule: 'nothing-imports-the-composition-root', from: 'runtime/metrics/reads-config.ts', to: 'runtime/gateway/config.ts' },
  // The heartbeat package is a package too: what it imports from the gateway breaks both rules.
  { rule: 'packages-by-name-only', from: 'runtime/agents/beats-by-path.ts', to: 'runtime/packages/agent-heartbeat/src/send-beat.ts' },
  { rule: 'packages-by-name-only', from: 'runtime/packages/agent-heartbeat/src/send-beat.ts', to: 'runtime/packages/vtid/src/index.ts' },
  { rule: 'packages-stand-alone', from: 'runtime/packages/agent-heartbeat/src/start-heartbeat.ts', to: 'runtime/http/errors.ts' },
  { rule: 'packages-stand-alone', from: 'runtime/packages/vtid/src/logs.ts', to: 'runtime/core/log.ts' },
  { rule: 'runtime-never-imports-infra', from: 'runtime/gateway/app.ts', to: 'infra/config.ts' },
  { rule: 'service-only-for-processes', from: 'runtime/board/serves.ts', to: 'runtime/service/serve.ts' },
  { rule: 'service-uses-only-core', from: 'runtime/service/uses-db.ts', to: 'runtime/db/pool.ts' },
];

const byRuleThenFrom = (a: Violation, b: Violation) => a.rule.localeCompare(b.rule) || a.from.localeCompare(b.from);

describe('each rule bites', () => {
  let scratch: string;
  beforeAll(() => {
    scratch = tempDir('layering-');
    for (const [path, text] of Object.entries(SCRATCH_TREE)) {
      mkdirSync(dirname(join(scratch, path)), { recursive: true });
      writeFileSync(join(scratch, path), text);
    }
    // npm packages resolve as they do in the repository.
    symlinkSync(join(ROOT, 'node_modules'), join(scratch, 'node_modules'), 'dir');
  });
  afterAll(() => removeTempDirs());

  it('every rule of the definition has a case here', () => {
    const proven = new Set([...EXPECTED_VIOLATIONS.map((v) => v.rule), 'domain-clock']);
    expect(layering.RULES.map((rule) => rule.name).filter((name) => !proven.has(name))).toEqual([]);
  });

  it('dependency-cruiser names exactly the rules each forbidden import breaks, and lets the allowed ones through', async () => {
    const { violations, imports } = await cruise(scratch, ['runtime']);
    expect(violations.sort(byRuleThenFrom)).toEqual(EXPECTED_VIOLATIONS);
    // The imports by package name were let through as the package's sources, not missed elsewhere.
    expect([...imports].filter((edge) => edge.includes('-> runtime/packages/') && !edge.startsWith('runtime/packages/')).sort()).toEqual([
      'runtime/agents/beats-by-path.ts -> runtime/packages/agent-heartbeat/src/send-beat.ts',
      'runtime/agents/names-the-client.ts -> runtime/packages/agent-heartbeat/src/index.ts',
      'runtime/core/schemas.ts -> runtime/packages/vtid/src/index.ts',
      'runtime/core/uses-heartbeat.ts -> runtime/packages/agent-heartbeat/src/index.ts',
    ]);
  });

  it('ESLint names domain-clock for each clock read in a domain module, even one an eslint-disable comment hides', async () => {
    const { messages } = await lintClock(scratch, ['runtime']);
    const clock = messages.filter((m) => m.text.includes('domain-clock'));
    // Date.now(), new Date(), Date(), process.hrtime, setTimeout, globalThis.setTimeout, performance, the hidden Date.now().
    expect(clock.map((m) => m.file)).toEqual(Array(8).fill('runtime/metrics/window.ts'));
    expect(messages.filter((m) => m.file !== 'runtime/metrics/window.ts')).toEqual([]);
  });
});
