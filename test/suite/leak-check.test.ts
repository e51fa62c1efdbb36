import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** Issue 12 #14: a run whose tests leave a process or a temporary folder behind fails, naming them. */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const VITEST = fileURLToPath(new URL('../../node_modules/.bin/vitest', import.meta.url));

describe('the end-of-run leak check (test/global-setup.ts)', () => {
  it('fails a run that leaves a gateway running and a temporary folder behind, and kills the gateway', () => {
    const { PATH, HOME } = process.env;
    const result = spawnSync(VITEST, ['run', '--config', 'test/fixtures/leaky/vitest.config.ts'], { cwd: ROOT, env: { PATH: PATH!, HOME: HOME! }, encoding: 'utf8', timeout: 120_000 });
    const output = result.stdout + result.stderr;
    const folder = /temporary folder left behind: (\S+)/.exec(output)?.[1];
    if (folder) rmSync(folder, { recursive: true, force: true });
    expect(result.status).not.toBe(0);
    expect(output).toContain('the tests did not end what they started');
    expect(output).toMatch(/process \d+ still running after the tests \(killed now\): .*runtime\/gateway\/server\.ts/);
    expect(folder).toMatch(/oasis-leak-/);
  }, 150_000);
});
