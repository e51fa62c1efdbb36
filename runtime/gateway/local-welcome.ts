import type { LocalSecrets } from './local-secrets.js';
import { expiryText, mintToken, type MintedToken } from '../http/mint-token.js';

/**
 * Local mode's welcome (stderr, for a person): where the gateway runs, a Live Console link that works
 * as printed (the token rides in it; the page moves it into its storage and off the address bar), and
 * a service-role token with an expiry, so a token copied into a script or a browser does not work forever.
 */

/** How long the printed operator token is valid: a working week of restarts-free tinkering. */
export const LOCAL_TOKEN_TTL_SECONDS = 7 * 24 * 3600;

export type OperatorToken = MintedToken;

/** A service-role token; `subject` (the `sub` claim) is the actor the gateway records for its writes. */
export function serviceRoleToken(jwtSecret: string, subject: string, ttlSeconds: number, now: Date): Promise<OperatorToken> {
  return mintToken(jwtSecret, 'service_role', subject, ttlSeconds, now);
}

export function localOperatorToken(jwtSecret: string, now: Date): Promise<OperatorToken> {
  return serviceRoleToken(jwtSecret, 'local-operator', LOCAL_TOKEN_TTL_SECONDS, now);
}

function secretsLine(local: LocalSecrets | null): string[] {
  if (!local || local.names.length === 0) return [];
  const verb = local.created ? 'Generated for local use' : 'Reused from the first start';
  return [`  ${verb} (kept in ${local.file}): ${local.names.join(', ')}`];
}

export function localWelcome(url: string, operator: OperatorToken, local: LocalSecrets | null): string {
  const { token } = operator;
  const expires = expiryText(operator.expiresAt);
  const lines = [
    '',
    `  vitana-oasis gateway is running at ${url}`,
    `  Live Console:  ${url}/?access_token=${token}`,
    ...secretsLine(local),
    `  Service-role token (expires ${expires}; a new one is printed at each start):`,
    `    export GW=${url} TOKEN=${token}`,
    '  Try it:',
    `    curl -s -X POST "$GW/events/ingest" -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \\`,
    `      -d '{"source":"demo","kind":"hello","status":"success","vtid":"VTID-2026-0001","title":"first event"}'`,
    `    curl -s "$GW/api/v1/oasis/events?vtid=VTID-2026-0001" -H "Authorization: Bearer $TOKEN"`,
    '  Watch a PR -> CI -> deploy story fill the console (in another terminal, after the export above):',
    '    npm run demo',
    '',
  ];
  return lines.join('\n') + '\n';
}
