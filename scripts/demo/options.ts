import { parseArgs } from 'node:util';

/**
 * `npm run demo` settings: from the command line, then the environment, validated once. A bad one is
 * a DemoUsageError whose message names it (run.ts prints it with the usage and exits 2).
 */

export const DEFAULT_GATEWAY = 'http://127.0.0.1:8080';

/** Pause between two steps: about 25 steps, so the whole story takes 20-30 s to watch. */
export const DEFAULT_PACE_MS = 1000;

export const USAGE = `usage: npm run demo -- [--gateway URL] [--pace-ms N] [--fast]

Plays a story into a running gateway: a task in the VTID ledger, a pull request carrying its VTID, CI
runs (one failing, then fixed), the merge, a Cloud Run deploy read by the real deploy watcher from a
local Cloud Logging server, and agent heartbeats. Watch it on the Live Console.

  --gateway URL   the gateway (default: $GW, else ${DEFAULT_GATEWAY})
  --pace-ms N     pause between steps in ms (default ${DEFAULT_PACE_MS})
  --fast          no pauses (same as --pace-ms 0)
  --help          this text

Secrets, found as the gateway finds them: SUPABASE_JWT_SECRET and GITHUB_WEBHOOK_SECRET from the
environment, else the local file beside OASIS_DATA_DIR (default .data/pglite.secrets.json).`;

export class DemoUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DemoUsageError';
  }
}

export interface DemoOptions {
  /** Base URL, without a trailing slash. */
  gateway: string;
  paceMs: number;
  help: boolean;
}

function gatewayUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new DemoUsageError(`--gateway must be an http(s) URL, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new DemoUsageError(`--gateway must be an http(s) URL, got "${value}"`);
  return value.replace(/\/+$/, '');
}

function paceMs(value: string): number {
  const pace = Number(value);
  if (!/^\d+$/.test(value.trim()) || pace > 60_000) throw new DemoUsageError(`--pace-ms must be a whole number of ms from 0 to 60000, got "${value}"`);
  return pace;
}

export function parseDemoOptions(argv: string[], env: Record<string, string | undefined>): DemoOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        gateway: { type: 'string' },
        'pace-ms': { type: 'string' },
        fast: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new DemoUsageError((error as Error).message);
  }
  if (values.fast && values['pace-ms'] !== undefined) throw new DemoUsageError('give either --fast or --pace-ms, not both');
  const gateway = values.gateway ?? (env.GW?.trim() || DEFAULT_GATEWAY);
  return {
    gateway: gatewayUrl(gateway),
    paceMs: values.fast ? 0 : values['pace-ms'] !== undefined ? paceMs(values['pace-ms']) : DEFAULT_PACE_MS,
    help: values.help,
  };
}
