import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PEER_UNAVAILABLE_EXIT } from '../lib/servers.js';
import { listenUntilStopped, peerPool, storeDelivery } from './store.js';

/**
 * Peer (b) of the ingest bench: the receiver most Node projects would write, @octokit/webhooks'
 * `Webhooks` with its node middleware (it verifies the signature, parses and dispatches), and the
 * same INSERT as the bare peer in the `workflow_run` handler.
 *
 * The package is a devDependency; until it is installed, BENCH_NODE_PATH may name a node_modules
 * folder that has it (e.g. one made by `npm install --no-save --prefix /tmp/benchdeps @octokit/webhooks`).
 * Without it the peer exits with PEER_UNAVAILABLE_EXIT and the bench reports it as skipped.
 */

interface OctokitWebhooks {
  on(event: string, handler: (event: { id: string; name: string; payload: Record<string, unknown> }) => Promise<void>): void;
}
interface OctokitModule {
  Webhooks: new (options: { secret: string }) => OctokitWebhooks;
  createNodeMiddleware: (
    webhooks: OctokitWebhooks,
    options: { path: string; log?: Record<string, (...args: unknown[]) => void> },
  ) => (req: IncomingMessage, res: ServerResponse, next?: () => void) => Promise<boolean>;
}

const PACKAGE = '@octokit/webhooks';

async function loadOctokit(): Promise<OctokitModule> {
  try {
    return (await import(PACKAGE)) as OctokitModule;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error;
  }
  for (const dir of (process.env.BENCH_NODE_PATH ?? '').split(':').filter(Boolean)) {
    const root = join(dir, PACKAGE);
    if (!existsSync(join(root, 'package.json'))) continue;
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports?: { '.'?: { import?: string } }; module?: string; main?: string };
    const entry = manifest.exports?.['.']?.import ?? manifest.module ?? manifest.main ?? 'index.js';
    return (await import(pathToFileURL(join(root, entry)).href)) as OctokitModule;
  }
  console.error(`${PACKAGE} is not installed (add it as a devDependency, or set BENCH_NODE_PATH)`);
  process.exit(PEER_UNAVAILABLE_EXIT);
}

const { Webhooks, createNodeMiddleware } = await loadOctokit();
const pool = peerPool();
const webhooks = new Webhooks({ secret: process.env.GITHUB_WEBHOOK_SECRET ?? '' });
webhooks.on('workflow_run', async ({ id, name, payload }) => {
  await storeDelivery(pool, name, id, payload, JSON.stringify(payload));
});
const quiet = () => {};
const middleware = createNodeMiddleware(webhooks, { path: '/webhooks/github', log: { debug: quiet, info: quiet, warn: quiet, error: console.error } });

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/readyz') {
    pool.query('select 1').then(
      () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'),
      () => res.writeHead(503).end(),
    );
    return;
  }
  middleware(req, res).then((handled) => {
    if (!handled && !res.headersSent) res.writeHead(404).end();
  });
});
listenUntilStopped(server, pool);
