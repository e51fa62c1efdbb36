import { connect, type Socket } from 'node:net';

/**
 * A TCP connection to `url` that sends nothing: what browsers and fetch() open ahead of time. A server
 * whose stop waits for every connection to end is held by it until its grace runs out.
 */
export interface IdleConnection {
  /** Resolves once the server closed it. */
  closed: Promise<void>;
  destroy(): void;
}

export async function openIdleConnection(url: string): Promise<IdleConnection> {
  const { hostname, port } = new URL(url);
  const socket: Socket = connect(Number(port), hostname.replace(/^\[|\]$/g, ''));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  // A reset from the server counts as closed too.
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { closed, destroy: () => socket.destroy() };
}
