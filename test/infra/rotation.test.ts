/**
 * Rotating the GitHub webhook secret as a stack operation, with zero refused deliveries: the resource
 * graph of each step (docs/RUNBOOKS.md gives the commands).
 *   step 0  steady: one version, the gateway verifies with it, hooks sign with it
 *   step 1  githubWebhookSecretNext set: a second version; the gateway verifies with both (new as
 *           GITHUB_WEBHOOK_SECRET, old as GITHUB_WEBHOOK_SECRET_PREVIOUS); hooks switch to the new
 *           value only after the gateway's update
 *   step 2  githubWebhookSecret = the new value, next removed: one version with the new value, the
 *           gateway verifies with it alone
 */
import { describe, expect, it } from 'vitest';
import {
  CHANGE_ENV,
  devConfig,
  GENERATED_WEBHOOK_SECRET,
  ofType,
  one,
  runProgram,
  runProgramExpectingError,
  secretness,
  T,
  type Registered,
  type Run,
} from './harness.js';

const { run: RUN, secretVersion: VERSION, secretIam: SECRET_IAM, webhook: WEBHOOK } = T;

const NEW_SECRET = 'n'.repeat(40);
const env = { ...CHANGE_ENV, GITHUB_TOKEN: 'ghp_test-token' };
const hooked = (overrides: Record<string, string> = {}) => devConfig({ githubRepositories: ['exafyltd/vitana-platform'], ...overrides });

/** The gateway's webhook secret env vars: env name -> the SecretVersion resource its version number is. */
function webhookEnv(run: Run): Record<string, string | undefined> {
  const versions = ofType(run, VERSION).filter((v) => String(v.inputs.secret).endsWith('/secrets/GITHUB_WEBHOOK_SECRET'));
  const byNumber = new Map(versions.map((v) => [v.state.version, v.name]));
  const out: Record<string, string | undefined> = {};
  for (const e of one(run, RUN, 'vitana-gateway').inputs.template.containers[0].envs) {
    if (!e.name.startsWith('GITHUB_WEBHOOK_SECRET')) continue;
    expect(e.valueSource.secretKeyRef.secret).toBe('GITHUB_WEBHOOK_SECRET');
    out[e.name] = byNumber.get(e.valueSource.secretKeyRef.version);
  }
  return out;
}

const versionValue = (v: Registered) => secretness(v.inputs.secretData).value;
const hookSecret = (run: Run) => (secretness(one(run, WEBHOOK, 'oasis-exafyltd-vitana-platform').inputs.configuration).value as { secret: string }).secret;
const webhookVersions = (run: Run) =>
  Object.fromEntries(ofType(run, VERSION).filter((v) => v.name.startsWith('GITHUB_WEBHOOK_SECRET')).map((v) => [v.name, versionValue(v)]));

describe('webhook secret rotation', () => {
  it('step 0: one version, verified and signed with the same (generated) value', async () => {
    const run = await runProgram(hooked(), env);
    expect(webhookVersions(run)).toEqual({ GITHUB_WEBHOOK_SECRET: GENERATED_WEBHOOK_SECRET });
    expect(webhookEnv(run)).toEqual({ GITHUB_WEBHOOK_SECRET: 'GITHUB_WEBHOOK_SECRET' });
    expect(hookSecret(run)).toBe(GENERATED_WEBHOOK_SECRET);
    expect(run.outputs.webhookSecret).toBe(GENERATED_WEBHOOK_SECRET);
  });

  it('step 1: a new version next to the old; the gateway accepts both; hooks sign with the new one after the gateway has it', async () => {
    const run = await runProgram(hooked({ githubWebhookSecretNext: NEW_SECRET }), env);
    expect(webhookVersions(run)).toEqual({
      GITHUB_WEBHOOK_SECRET: GENERATED_WEBHOOK_SECRET,
      'GITHUB_WEBHOOK_SECRET-next': NEW_SECRET,
    });
    // Both versions of the one secret, stored as Pulumi secrets.
    for (const v of ofType(run, VERSION)) expect(secretness(v.inputs.secretData).secret, v.name).toBe(true);
    expect(one(run, VERSION, 'GITHUB_WEBHOOK_SECRET-next').inputs.secret).toBe(one(run, VERSION, 'GITHUB_WEBHOOK_SECRET').inputs.secret);

    // Verifies with both: the new value first, the old one as GITHUB_WEBHOOK_SECRET_PREVIOUS.
    expect(webhookEnv(run)).toEqual({
      GITHUB_WEBHOOK_SECRET: 'GITHUB_WEBHOOK_SECRET-next',
      GITHUB_WEBHOOK_SECRET_PREVIOUS: 'GITHUB_WEBHOOK_SECRET',
    });
    const gateway = one(run, RUN, 'vitana-gateway');
    expect(gateway.dependencies).toEqual(expect.arrayContaining([`${VERSION} GITHUB_WEBHOOK_SECRET`, `${VERSION} GITHUB_WEBHOOK_SECRET-next`]));

    // The hook's new secret goes out only after the gateway's update: never a moment where GitHub signs
    // with a value the serving revision does not know.
    expect(hookSecret(run)).toBe(NEW_SECRET);
    expect(one(run, WEBHOOK, 'oasis-exafyltd-vitana-platform').dependencies).toContain(`${RUN} vitana-gateway`);
    expect(run.outputs.webhookSecret).toBe(NEW_SECRET);
    expect(run.secretOutputs.webhookSecret).toBe(true);

    // Still one accessor grant on the one secret: no new grant, no propagation wait in this step.
    expect(ofType(run, SECRET_IAM).filter((g) => g.inputs.secretId === 'GITHUB_WEBHOOK_SECRET').map((g) => g.name)).toEqual([
      'oasis-gateway-reads-github-webhook-secret',
    ]);
  });

  it('step 2: the new value is the only one; the next version is gone and the gateway verifies with the new value alone', async () => {
    const run = await runProgram(hooked({ githubWebhookSecret: NEW_SECRET }), env);
    expect(webhookVersions(run)).toEqual({ GITHUB_WEBHOOK_SECRET: NEW_SECRET });
    expect(webhookEnv(run)).toEqual({ GITHUB_WEBHOOK_SECRET: 'GITHUB_WEBHOOK_SECRET' });
    expect(hookSecret(run)).toBe(NEW_SECRET);
    expect(run.outputs.webhookSecret).toBe(NEW_SECRET);
    // The generated value stays in the state (unused), so dropping the config key later does not invent a third.
    expect(ofType(run, 'random:index/randomPassword:RandomPassword').map((r) => r.name)).toEqual(['github-webhook-secret']);
  });

  it('refuses a weak secret for either key', async () => {
    for (const key of ['githubWebhookSecret', 'githubWebhookSecretNext']) {
      const { error, resources } = await runProgramExpectingError(hooked({ [key]: 'short' }), env);
      expect(error.message).toContain(`${key} must be at least 32 characters without spaces`);
      expect(error.message).not.toContain('short');
      expect(resources).toEqual([]);
    }
  });
});
