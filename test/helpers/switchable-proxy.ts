import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP forwarder in front of a real gateway that can be switched off and on again on the same
 * port: "the gateway is down" as a client sees it (connections refused, open ones cut), without
 * stopping the gateway or losing its database.
 */
export interface SwitchableProxy {
  url: string;
  port: number;
  isUp(): boolean;
  /** Listen again on the same port. */
  up(): Promise<void>;
  /** Stop listening and cut every open connection. */
  down(): Promise<void>;
}

export async function startSwitchableProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<SwitchableProxy> {
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  let port = 0;

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((client) => {
        const upstream = connect(targetPort, targetHost);
        sockets.add(client);
        sockets.add(upstream);
        const drop = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on('error', drop).on('close', drop);
        upstream.on('error', drop).on('close', drop);
        client.pipe(upstream).pipe(client);
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        port = (s.address() as AddressInfo).port;
        server = s;
        resolve();
      });
    });

  await listen();
  return {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    isUp: () => server !== null,
    up: async () => {
      if (!server) await listen();
    },
    down: async () => {
      const s = server;
      server = null;
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
}
