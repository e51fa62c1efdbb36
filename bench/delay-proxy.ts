import { connect, createServer, type Server, type Socket } from 'node:net';
import { pathToFileURL } from 'node:url';

/**
 * A TCP proxy that adds a fixed delay to every chunk in each direction, in order: the network between
 * a service and its database (Cloud Run to Supabase) on one machine. Each chunk is written `delayMs`
 * after it arrived; equal delays fire in arrival order, so the byte stream is unchanged.
 *
 * As a process: `node --import tsx bench/delay-proxy.ts '{"targetPort":5432,"delayMs":1}'` prints
 * `BENCH_RESULT {"port":N}` once listening and runs until SIGTERM.
 */

export interface DelayProxyOptions {
  targetHost?: string;
  targetPort: number;
  delayMs: number;
  port?: number;
}

function forward(from: Socket, to: Socket, delayMs: number): void {
  from.on('data', (chunk: Buffer) => {
    setTimeout(() => {
      if (!to.destroyed) to.write(chunk);
    }, delayMs);
  });
  from.on('end', () => setTimeout(() => to.end(), delayMs));
  from.on('close', () => setTimeout(() => to.destroy(), delayMs + 1));
  from.on('error', () => to.destroy());
}

export function startDelayProxy(options: DelayProxyOptions): Promise<{ server: Server; port: number }> {
  const server = createServer((client) => {
    const upstream = connect(options.targetPort, options.targetHost ?? '127.0.0.1');
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    forward(client, upstream, options.delayMs);
    forward(upstream, client, options.delayMs);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      const address = server.address();
      resolve({ server, port: typeof address === 'object' && address ? address.port : 0 });
    });
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { childInput, reportResult } = await import('./lib/processes.js');
  const { port } = await startDelayProxy(childInput<DelayProxyOptions>());
  reportResult({ port });
  process.once('SIGTERM', () => process.exit(0));
}
