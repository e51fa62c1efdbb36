/**
 * The VTID guard: the program refuses a missing, malformed or un-labellable VTID with one clear message
 * before any resource is declared; label values are converted to GCP's rules or refused.
 */
import { VTID_MAX_LENGTH } from '@vitana/vtid';
import { describe, expect, it, vi } from 'vitest';
import * as pulumi from '@pulumi/pulumi';
import { devConfig, one, runProgram, runProgramExpectingError } from './harness.js';
import { resolveVtid } from '../../infra/config.js';
import { makeLabels, toLabelValue } from '../../infra/labels.js';

describe('VTID guard (program under mocks)', () => {
  it('refuses a missing VTID (no VTID env, no config override) and declares nothing', async () => {
    const { error, resources } = await runProgramExpectingError(devConfig(), {});
    expect(pulumi.RunError.isInstance(error)).toBe(true);
    expect(error.message).toMatch(/^No VTID: neither the environment variable VTID nor config `vtid` is set\./);
    expect(error.message).toContain('scripts/ensure-vtid.sh');
    expect(resources).toEqual([]);
  });

  it('treats an empty vtid (the Pulumi.yaml default) as missing', async () => {
    const { error, resources } = await runProgramExpectingError(devConfig({ vtid: '' }), { VTID: '  ' });
    expect(error.message).toMatch(/^No VTID/);
    expect(resources).toEqual([]);
  });

  it.each([
    ['DEV-CICDL-31', 'too few digits'],
    ['CICDL-0031', 'missing a part'],
    ['DEV-CICDL-0031 DEV-CICDL-0032', 'two ids'],
    ['fix DEV-CICDL-0031', 'not only the id'],
    ['VTID-26-0001', 'short year'],
  ])('refuses the malformed VTID %j (%s) and declares nothing', async (vtid) => {
    const { error, resources } = await runProgramExpectingError(devConfig(), { VTID: vtid });
    expect(pulumi.RunError.isInstance(error)).toBe(true);
    expect(error.message).toBe(
      `Malformed VTID "${vtid}" (from environment variable VTID). CI sets the environment variable VTID from the ` +
        'PR title, branch or commit (scripts/ensure-vtid.sh); by hand, `export VTID=DEV-CICDL-0031` (or override it ' +
        'with `pulumi config set vtid ...`). Ids look like LAYER-MODULE-NNNN (DEV-CICDL-0031) or VTID-YYYY-NNNN (VTID-2026-0042).',
    );
    expect(resources).toEqual([]);
  });

  it('refuses a VTID-shaped id too long to be one (and so too long for a GCP label)', async () => {
    // Ids are bounded (at most 59 characters, @vitana/vtid), so every well-formed VTID fits
    // a GCP label value (63); a longer one is malformed.
    expect(VTID_MAX_LENGTH).toBeLessThanOrEqual(63);
    const vtid = `DEV-${'A'.repeat(60)}-0001`;
    const { error, resources } = await runProgramExpectingError(devConfig({ vtid }));
    expect(error.message).toMatch(/^Malformed VTID "DEV-A+-0001" \(from config `vtid`\)/);
    expect(resources).toEqual([]);
  });

  it('refuses an un-labellable layer/module for a ledger id', async () => {
    const { error, resources } = await runProgramExpectingError(devConfig({ layer: 'CORE/API' }), { VTID: 'VTID-2026-0042' });
    expect(error.message).toContain(
      'vt_layer "CORE/API" cannot be a GCP label value: "core/api" has characters other than lower-case letters, digits, "_" and "-"',
    );
    expect(resources).toEqual([]);
  });

  it('refuses a malformed VTID from the environment, naming the source', async () => {
    const { error, resources } = await runProgramExpectingError(devConfig({ vtid: '' }), { VTID: 'not-a-vtid' });
    expect(error.message).toMatch(/^Malformed VTID "not-a-vtid" \(from environment variable VTID\)/);
    expect(resources).toEqual([]);
  });

  it("labels the deploy with the change's VTID from the environment, whatever the stack file held before", async () => {
    const run = await runProgram(devConfig(), { VTID: 'dev-platform-0042' });
    for (const resource of run.resources.filter((r) => r.inputs.labels !== undefined)) {
      expect(resource.inputs.labels, `${resource.type} ${resource.name}`).toMatchObject({
        vtid: 'dev-platform-0042',
        vt_layer: 'dev',
        vt_module: 'platform',
      });
    }
    const another = await runProgram(devConfig(), { VTID: 'DEV-OASIS-0007' });
    expect(one(another, 'gcp:cloudrunv2/service:Service', 'vitana-gateway').inputs.labels.vtid).toBe('dev-oasis-0007');
  });

  it("takes config `vtid` only as an explicit override of the change's VTID, and says so", async () => {
    const warnings: string[] = [];
    const warn = vi.spyOn(pulumi.log, 'warn').mockImplementation(async (message: string) => {
      warnings.push(message);
    });
    try {
      const both = await runProgram(devConfig({ vtid: 'DEV-HOTFIX-0001' }), { VTID: 'DEV-OTHER-0001' });
      expect(one(both, 'gcp:cloudrunv2/service:Service', 'vitana-gateway').inputs.labels).toMatchObject({
        vtid: 'dev-hotfix-0001',
        vt_module: 'hotfix',
      });
      expect(warnings).toEqual([expect.stringContaining('config `vtid` DEV-HOTFIX-0001 overrides the VTID of the change, DEV-OTHER-0001')]);

      // Without a VTID in the environment (a deploy by hand) the override is the VTID, nothing to warn about.
      warnings.length = 0;
      const alone = await runProgram(devConfig({ vtid: 'DEV-HOTFIX-0001' }), {});
      expect(one(alone, 'gcp:cloudrunv2/service:Service', 'vitana-gateway').inputs.labels.vtid).toBe('dev-hotfix-0001');
      expect(warnings).toEqual([]);
    } finally {
      warn.mockRestore();
    }
  });

  it("uses a family id's own layer and module; config layer/module only fill in a ledger id", async () => {
    const run = await runProgram(devConfig({ layer: 'OPS', module: 'INFRA' }), { VTID: 'DEV-OASIS-0007' });
    expect(one(run, 'gcp:cloudrunv2/service:Service', 'vitana-gateway').inputs.labels).toMatchObject({
      vt_layer: 'dev',
      vt_module: 'oasis',
    });
  });

  it('accepts a ledger VTID when layer and module are configured, and refuses it without them', async () => {
    const run = await runProgram(devConfig({ layer: 'DEV', module: 'OASIS' }), { VTID: 'VTID-2026-0042' });
    expect(one(run, 'gcp:secretmanager/secret:Secret', 'SUPABASE_DB_URL').inputs.labels).toEqual({
      vtid: 'vtid-2026-0042',
      vt_layer: 'dev',
      vt_module: 'oasis',
      managed_by: 'pulumi',
    });
    const { error, resources } = await runProgramExpectingError(devConfig({ layer: undefined, module: undefined }), {
      VTID: 'VTID-2026-0042',
    });
    expect(error.message).toMatch(/^VTID VTID-2026-0042 carries no layer\/module/);
    expect(resources).toEqual([]);
  });
});

describe('resolveVtid (the guard on its own)', () => {
  it('parses, derives layer/module from a family id and converts to labels', () => {
    expect(resolveVtid({}, { VTID: ' DEV-CICDL-0031 ' })).toEqual({
      vtid: 'DEV-CICDL-0031',
      labels: { vtid: 'dev-cicdl-0031', vt_layer: 'dev', vt_module: 'cicdl', managed_by: 'pulumi' },
      source: 'environment',
    });
  });

  it('prefers the config override and names what it replaced', () => {
    expect(resolveVtid({ vtid: 'DEV-HOTFIX-0001' }, { VTID: 'dev-other-0002' })).toMatchObject({
      vtid: 'DEV-HOTFIX-0001',
      source: 'config',
      overridden: 'DEV-OTHER-0002',
    });
    expect(resolveVtid({ vtid: 'DEV-HOTFIX-0001' }, { VTID: 'dev-hotfix-0001' })).not.toHaveProperty('overridden');
  });

  it('returns the problem instead of throwing', () => {
    expect(resolveVtid({}, {})).toHaveProperty('error');
    expect(resolveVtid({ vtid: 'nope' }, {})).toHaveProperty('error');
  });
});

describe('GCP label values', () => {
  it('converts upper case, spaces and dots', () => {
    expect(toLabelValue('DEV-CICDL-0031')).toEqual({ value: 'dev-cicdl-0031' });
    expect(toLabelValue(' Platform Core ')).toEqual({ value: 'platform-core' });
    expect(toLabelValue('v1.2_beta')).toEqual({ value: 'v1-2_beta' });
    expect(toLabelValue('a'.repeat(63))).toEqual({ value: 'a'.repeat(63) });
    // Values (unlike keys) may start with a digit, `_` or `-`.
    expect(toLabelValue('2FA')).toEqual({ value: '2fa' });
    expect(toLabelValue('_x')).toEqual({ value: '_x' });
  });

  it.each([
    ['', 'it is empty'],
    ['a'.repeat(64), 'it is 64 characters long once converted; GCP allows at most 63'],
    ['dev/cicdl', '"dev/cicdl" has characters other than lower-case letters, digits, "_" and "-"'],
    ['Déjà', '"déjà" has characters other than lower-case letters, digits, "_" and "-"'],
  ])('refuses %j: %s', (raw, message) => {
    expect(toLabelValue(raw)).toEqual({ error: message });
  });

  it('makeLabels names the offending label', () => {
    expect(() => makeLabels({ vtid: 'DEV-X-0001', layer: 'DEV', module: 'core/api' })).toThrow(
      'vt_module "core/api" cannot be a GCP label value',
    );
  });
});
