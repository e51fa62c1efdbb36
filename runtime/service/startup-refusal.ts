import { Refusal } from '../core/refusal.js';

/**
 * Start-up failures a user can act on (a bad setting, a taken port, a data folder in use), as the one
 * line that says what to do; null for anything else (our bug or an outage), which is logged with its stack.
 */
export function startupRefusal(error: unknown): string | null {
  if (error instanceof Refusal) return error.message;
  const errno = error as Partial<NodeJS.ErrnoException> & { port?: number; address?: string };
  if (errno.code === 'EADDRINUSE') {
    return `port ${errno.port} on ${errno.address} is in use by another process: stop it, or set PORT to a free port`;
  }
  if (errno.code === 'EACCES' && errno.syscall === 'listen') {
    return `port ${errno.port} on ${errno.address} may not be opened by this user: set PORT to a port above 1023`;
  }
  return null;
}
