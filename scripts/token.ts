/**
 * Mints a gateway token, signed with the project's legacy JWT secret (HS256), for credentials a person
 * hands out: above all a read-only one for a wall-screen Live Console.
 *
 *   npm run token -- --read-only [--expires 30d] [--subject wall-screen]
 *   npm run token -- --service-role --expires 12h
 *
 * The secret is SUPABASE_JWT_SECRET (for a stack: `SUPABASE_JWT_SECRET=$(pulumi config get supabaseJwtSecret)`),
 * else the local mode's generated one beside OASIS_DATA_DIR. Prints the token on stdout and its expiry
 * on stderr. Exit 2 on bad usage, 1 when there is no secret.
 */
import { ConfigError, loadConfig } from '../runtime/gateway/config.js';
import { readLocalSecrets } from '../runtime/gateway/local-secrets.js';
import { expiryText, mintToken } from '../runtime/http/mint-token.js';

const USAGE = 'usage: npm run token -- (--read-only | --service-role) [--expires <n>(m|h|d)] [--subject <name>]';
/** A credential on a screen should be renewed now and then: a year at most. */
const MAX_SECONDS = 366 * 24 * 3600;
const UNIT_SECONDS = { m: 60, h: 3600, d: 24 * 3600 } as const;

function fail(message: string, code: number): never {
  process.stderr.write(`${message}\n${code === 2 ? `${USAGE}\n` : ''}`);
  process.exit(code);
}

export function parseDuration(text: string): number | null {
  const match = /^(\d{1,6})(m|h|d)$/.exec(text);
  if (!match) return null;
  const seconds = Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS];
  return seconds > 0 && seconds <= MAX_SECONDS ? seconds : null;
}

function parseArgs(argv: string[]): { role: 'oasis_reader' | 'service_role'; seconds: number; subject: string } {
  let role: 'oasis_reader' | 'service_role' | null = null;
  let seconds = 30 * 24 * 3600;
  let subject: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--read-only' || arg === '--service-role') {
      const wanted = arg === '--read-only' ? 'oasis_reader' : 'service_role';
      if (role !== null && role !== wanted) fail('choose one of --read-only and --service-role', 2);
      role = wanted;
    } else if (arg === '--expires') {
      const parsed = parseDuration(argv[++i] ?? '');
      if (parsed === null) fail(`--expires must be a duration like 30d, 12h or 90m, at most 366d (got "${argv[i] ?? ''}")`, 2);
      seconds = parsed;
    } else if (arg === '--subject') {
      subject = argv[++i] ?? '';
      if (!/^[\w.@-]{1,64}$/.test(subject)) fail('--subject must be 1-64 letters, digits, . _ - or @', 2);
    } else {
      fail(`unknown argument: ${arg}`, 2);
    }
  }
  // Deliberately no default: the role a token gets is always written out by whoever mints it.
  if (role === null) fail('say which token: --read-only (reads events, the feed, agents and the ledger; writes nothing) or --service-role', 2);
  return { role, seconds, subject: subject ?? (role === 'oasis_reader' ? 'read-only-console' : 'operator') };
}

const options = parseArgs(process.argv.slice(2));
// The settings as the gateway reads them, so the data folder (and its default) is the gateway's own.
let config;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (error instanceof ConfigError) fail(error.message, 1);
  throw error;
}
const secret = config.secrets.jwt ?? readLocalSecrets(config.database.dataDir)?.jwt;
if (!secret) fail('no secret to sign with: set SUPABASE_JWT_SECRET (the stack\'s: pulumi config get supabaseJwtSecret), or start the gateway once in local mode', 1);
const { token, expiresAt } = await mintToken(secret, options.role, options.subject, options.seconds, new Date());
process.stdout.write(`${token}\n`);
process.stderr.write(`${options.role} token for "${options.subject}", expires ${expiryText(expiresAt)}\n`);
