/**
 * The VTID guard: the program refuses a missing, malformed or un-labellable VTID with one clear message
 * before any resource is declared; label values are converted to GCP's rules or refused.
 */
import { VTID_MAX_LENGTH } from '../../runtime/vtid/parse.js';
import { describe, expect, it } from 'vitest';
import * as pulumi from '@pulumi/pulumi';
import { devConfig, one, runProgram, runProgramExpectingError } from './harness.js';
import { resolveVtid } from '../../infra/config.js';
import { makeLabels, toLabelValue } from '../../infra/labels.js';

describe('VTID guard (program under mocks)', () => {
  it('refuses a missing VTID (no config, no VTID env) and declares nothing', async () => {
    const { error, resources } = await runProgramExpectingError(devConfig({ vtid: undefined }), {});
    expect(pulumi.RunError.isInstance(error)).toBe(true);
    expect(error.message).toMatch(/^No VTID: neither config `vtid` nor the environment variable VTID is set\./);
    expect(error.message).toContain('pulumi config set vtid');
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
    const { error, resources } = await runProgramExpectingError(devConfig({ vtid }));
    expect(pulumi.RunError.isInstance(error)).toBe(true);
    expect(error.message).toBe(
      `Malformed VTID "${vtid}" (from config \`vtid\`). Set it with \`pulumi config set vtid DEV-CICDL-0031\` ` +
        '(or export VTID=...); ids look like LAYER-MODULE-NNNN (DEV-CICDL-0031) or VTID-YYYY-NNNN (VTID-2026-0042).',
    );
    expect(resources).toEqual([]);
  });

  it('refuses a VTID-shaped id too long to be one (and so too long for a GCP label)', async () => {
    // Ids are bounded (at most 59 characters, runtime/vtid/parse.ts), so every well-formed VTID fits
    // a GCP label value (63); a longer one is malformed.
    expect(VTID_MAX_LENGTH).toBeLessThanOrEqual(63);
    const vtid = `DEV-${'A'.repeat(60)}-0001`;
    const { error, resources } = await runProgramExpectingError(devConfig({ vtid }));
    expect(error.message).toMatch(/^Malformed VTID "DEV-A+-0001" \(from config `vtid`\)/);
    expect(resources).toEqual([]);
  });

  it('refuses an un-labellable layer/module override', async () => {
    const { error, resources } = await runProgramExpectingError(devConfig({ layer: 'CORE/API' }));
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

  it('takes the VTID from the environment when config has none, and config wins when both are set', async () => {
    const fromEnv = await runProgram(devConfig({ vtid: '' }), { VTID: 'dev-platform-0042' });
    expect(one(fromEnv, 'gcp:cloudrunv2/service:Service', 'vitana-gateway').inputs.labels).toMatchObject({
      vtid: 'dev-platform-0042',
      vt_layer: 'dev',
      vt_module: 'platform',
    });
    const both = await runProgram(devConfig(), { VTID: 'DEV-OTHER-0001' });
    expect(one(both, 'gcp:cloudrunv2/service:Service', 'vitana-gateway').inputs.labels.vtid).toBe('dev-cicdl-0031');
  });

  it('accepts a ledger VTID when layer and module are configured, and refuses it without them', async () => {
    const run = await runProgram(devConfig({ vtid: 'VTID-2026-0042', layer: 'DEV', module: 'OASIS' }));
    expect(one(run, 'gcp:secretmanager/secret:Secret', 'SUPABASE_URL').inputs.labels).toEqual({
      vtid: 'vtid-2026-0042',
      vt_layer: 'dev',
      vt_module: 'oasis',
      managed_by: 'pulumi',
    });
    const { error, resources } = await runProgramExpectingError(devConfig({ vtid: 'VTID-2026-0042' }));
    expect(error.message).toMatch(/^VTID VTID-2026-0042 carries no layer\/module/);
    expect(resources).toEqual([]);
  });
});

describe('resolveVtid (the guard on its own)', () => {
  it('parses, derives layer/module from a family id and converts to labels', () => {
    expect(resolveVtid({ vtid: ' DEV-CICDL-0031 ' }, {})).toEqual({
      vtid: 'DEV-CICDL-0031',
      labels: { vtid: 'dev-cicdl-0031', vt_layer: 'dev', vt_module: 'cicdl', managed_by: 'pulumi' },
    });
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
