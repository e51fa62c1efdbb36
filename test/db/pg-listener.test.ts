import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createPgDatabase } from '../../runtime/db/pg.js';
import { silentLogger } from '../../runtime/core/log.js';
import { createPgDatabaseUrl, HAS_PG } from '../helpers/db.js';

/**
 * The feed's LISTEN connection on a real PostgreSQL (only a server has separate connections to lose).
 * A TCP forwarder in front of it lets the test cut the connection and hold the reconnect half-way.
 */

interface HoldingProxy {
  port: number;
  /** Client sockets currently open through the proxy. */
  open(): number;
  /** Cut every forwarded connection (the server restarted, a NAT forgot us). */
  cut(): void;
  /** From now on, hold new connections without forwarding them until release(). */
  hold(): void;
  release(): void;
  close(): void;
}

async function startHoldingProxy(target: URL): Promise<HoldingProxy> {
  const clients = new Set<Socket>();
  const held: Socket[] = [];
  let holding = false;
  const forward = (client: Socket) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream).pipe(client);
  };
  const server = createServer((client) => {
    clients.add(client);
    client.once('close', () => clients.delete(client));
    if (holding) held.push(client);
    else forward(client);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    open: () => clients.size,
    cut: () => {
      for (const client of clients) client.destroy();
    },
    hold: () => {
      holding = true;
    },
    release: () => {
      holding = false;
      for (const client of held.splice(0)) forward(client);
    },
    close: () => {
      for (const client of clients) client.destroy();
      server.close();
    },
  };
}

describe.skipIf(!HAS_PG)('the LISTEN connection on PostgreSQL', () => {
  it('closing while a reconnect is half-way leaves no connection behind', async () => {
    const database = await createPgDatabaseUrl();
    const proxy = await startHoldingProxy(new URL(database.url));
    const listenUrl = new URL(database.url);
    listenUrl.host = `127.0.0.1:${proxy.port}`;
    const db = createPgDatabase({ url: database.url, listenUrl: listenUrl.toString(), logger: silentLogger, max: 1 });
    let disconnected = 0;
    try {
      const listener = await db.listen('oasis_test_channel', { onNotify: () => {}, onDisconnect: () => (disconnected += 1) });
      expect(proxy.open()).toBe(1);
      // Lose the connection; the listener reconnects, and its new connection hangs in the proxy.
      proxy.hold();
      proxy.cut();
      await expect.poll(() => disconnected).toBe(1);
      await expect.poll(() => proxy.open(), { timeout: 10_000 }).toBe(1);
      // Shutdown arrives now; only then does the database answer the pending connect.
      await listener.close();
      proxy.release();
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(proxy.open()).toBe(0);
    } finally {
      proxy.close();
      await db.close();
      await database.drop();
    }
  });
});
