import { connect } from 'node:net';

/**
 * Stops a server while a TCP connection to it is open and idle: connected, no request sent, what
 * browsers and fetch() open ahead of time. A stop that waits for every connection to end is held by
 * it until its grace runs out. Resolves with how long `stop` took, once the server closed the connection.
 */
export async function stopWithIdleConnection(url: string, stop: () => Promise<unknown>): Promise<number> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname.replace(/^\[|\]$/g, ''));
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    // A reset from the server counts as closed too.
    socket.on('error', () => {});
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const started = Date.now();
    await stop();
    const took = Date.now() - started;
    await closed;
    return took;
  } finally {
    socket.destroy();
  }
}
