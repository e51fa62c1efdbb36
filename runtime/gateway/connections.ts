import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Counts requests in flight per connection, so shutdown can close every connection that is not serving
 * one. Node's closeIdleConnections() skips connections that were opened but never sent a request, and
 * browsers and fetch() open those ahead of time: without this, every shutdown would wait out its grace.
 */
export function trackConnections(server: Server): { closeIdle(): void } {
  const inFlight = new Map<Socket, number>();
  server.on('connection', (socket: Socket) => {
    inFlight.set(socket, 0);
    socket.once('close', () => inFlight.delete(socket));
  });
  server.on('request', (request, response) => {
    const socket = request.socket;
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    response.once('close', () => {
      if (inFlight.has(socket)) inFlight.set(socket, Math.max(0, inFlight.get(socket)! - 1));
    });
  });
  return {
    closeIdle: () => {
      for (const [socket, requests] of inFlight) if (requests === 0) socket.destroy();
    },
  };
}
