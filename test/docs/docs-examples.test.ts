import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docFiles, inconsistencies, shellExamples, type ShellExample } from '../helpers/doc-examples.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

/**
 * Issue 16 #5: every shell example in README.md and docs/ works as written against a local gateway,
 * with the one `export GW=… TOKEN=…` of the README; examples that cannot run here say so and why.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

// curl as a reader sees it, except that an HTTP error fails the example, and a live feed (which never
// ends by itself) counts as working once it has streamed for a moment.
const PRELUDE = `set -euo pipefail
curl() {
  local rc=0
  command curl --fail-with-body --max-time 2 "$@" || rc=$?
  if [ "$rc" = 28 ] && [[ "$*" == *"/feed"* ]]; then return 0; fi
  return "$rc"
}
`;

function runBash(script: string, env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', script], { cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

const files = docFiles(ROOT);
const examples = files.flatMap((file) => shellExamples(ROOT, file));
const runnable = (file: string) => examples.filter((example) => example.file === file && example.mark === 'run');
const where = (example: ShellExample) => `${example.file}:${example.line}`;

describe('documentation shell examples', () => {
  it('the README has the one GW/TOKEN export every example uses', () => {
    const setup = examples.filter((example) => example.mark === 'setup');
    expect(setup.map(where)).toEqual([expect.stringMatching(/^README\.md:/)]);
    expect(setup[0]!.script).toMatch(/^export GW=http:\/\/127\.0\.0\.1:8080 TOKEN=/m);
    expect(readFileSync(`${ROOT}/README.md`, 'utf8')).toContain('<!-- example: setup -->');
  });

  it('name the gateway and the token only as $GW and $TOKEN', () => {
    const found = examples.filter((example) => example.mark === 'run').flatMap((example) => inconsistencies(example).map((problem) => `${where(example)} ${problem}`));
    expect(found).toEqual([]);
  });

  it('that cannot run locally say why', () => {
    const unexplained = examples.filter((example) => (example.mark === 'not-local' || example.mark === 'not-run') && example.reason.trim() === '');
    expect(unexplained.map(where)).toEqual([]);
  });

  it('exist (the harness finds the runnable ones)', () => {
    expect(examples.filter((example) => example.mark === 'run').length).toBeGreaterThanOrEqual(8);
  });

  describe.each(files.filter((file) => runnable(file).length > 0))('%s', (file) => {
    let gw: TestGateway;
    // Each file's examples run in order on a fresh gateway, as a reader following that page would;
    // the clock is fixed so the ledger hands out the VTID-2026-… ids the pages show.
    beforeAll(async () => {
      gw = await startTestGateway({ clock: () => new Date('2026-06-01T12:00:00Z') });
    });
    afterAll(async () => {
      await gw.close();
    });

    it.each(runnable(file).map((example) => [where(example), example] as const))('%s runs', async (_where, example) => {
      // Asynchronously: the gateway answering these requests runs in this very process.
      const result = await runBash(PRELUDE + example.script, { GW: gw.url, TOKEN: gw.serviceToken });
      expect({ status: result.status, stderr: result.stderr, stdout: result.stdout.slice(0, 2000) }).toMatchObject({ status: 0 });
    });
  });
});
