import type { Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Counts requests in flight per connection, so shutdown can close every connection that is not serving
 * one. Node's closeIdleConnections() skips connections that were opened but never sent a request, and
 * browsers and fetch() open those ahead of time: without this, every shutdown would wait out its grace.
 */
export interface TrackedConnections {
  closeIdle(): void;
  /** The response being written on `socket`, if a request of it is still being answered. */
  answering(socket: unknown): ServerResponse | undefined;
}

export function trackConnections(server: Server): TrackedConnections {
  const inFlight = new Map<Socket, number>();
  const current = new Map<unknown, ServerResponse>();
  server.on('connection', (socket: Socket) => {
    inFlight.set(socket, 0);
    socket.once('close', () => inFlight.delete(socket));
  });
  server.on('request', (request, response) => {
    const socket = request.socket;
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    current.set(socket, response);
    response.once('close', () => {
      if (inFlight.has(socket)) inFlight.set(socket, Math.max(0, inFlight.get(socket)! - 1));
      if (current.get(socket) === response) current.delete(socket);
    });
  });
  return {
    closeIdle: () => {
      for (const [socket, requests] of inFlight) if (requests === 0) socket.destroy();
    },
    answering: (socket) => current.get(socket),
  };
}
