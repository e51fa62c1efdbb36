/**
 * Which GitHub credential the configured hooks need. Pure, shared by the reconciler's environment
 * (runtime/reconciler/config.ts) and the stack configuration (infra/config.ts), so the two refuse the
 * same combinations:
 *   - a token, or a GitHub App (id + private key), never both and never neither;
 *   - the App's own hook (`app`) is read with the App's JWT, which only the App's key can sign;
 *   - repository and organization hooks are read as an installation of the App.
 */
import type { Hook } from './hooks.js';

export type CredentialSetting = 'token' | 'appId' | 'privateKey' | 'installationId' | 'hooks';

export type CredentialPresence = Record<Exclude<CredentialSetting, 'hooks'>, boolean>;

export interface CredentialProblem {
  setting: CredentialSetting;
  /** Follows the setting's name: "GITHUB_TOKEN is required …". */
  message: string;
}

export function credentialProblems(
  present: CredentialPresence,
  hooks: readonly Hook[],
  name: (setting: CredentialSetting) => string,
): CredentialProblem[] {
  const app = present.appId || present.privateKey;
  if (present.token && app) {
    return [{ setting: 'token', message: `and ${name('appId')}/${name('privateKey')} are both set: choose a token or a GitHub App` }];
  }
  if (!present.token && !app) {
    return [{ setting: 'token', message: `is required (or ${name('appId')} and ${name('privateKey')} for a GitHub App)` }];
  }
  const problems: CredentialProblem[] = [];
  if (!present.token) {
    if (!present.appId) problems.push({ setting: 'appId', message: `is required with ${name('privateKey')}` });
    if (!present.privateKey) problems.push({ setting: 'privateKey', message: `is required with ${name('appId')}` });
  }
  if (present.token && hooks.some((hook) => hook.type === 'app')) {
    problems.push({ setting: 'hooks', message: `lists app, which needs ${name('appId')} and ${name('privateKey')} instead of ${name('token')}` });
  }
  if (!present.token && !present.installationId && hooks.some((hook) => hook.type !== 'app')) {
    problems.push({ setting: 'installationId', message: 'is required to read repository or organization hooks as the GitHub App' });
  }
  return problems;
}
