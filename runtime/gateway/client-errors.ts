import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { errorBody } from '../http/errors.js';
import type { Logger } from '../core/log.js';
import type { TrackedConnections } from '../service/connections.js';

/**
 * Requests Node's HTTP parser refuses before any route sees them (a bad or duplicate Content-Length,
 * CR/LF/NUL in a header, headers over 16 KB, an unknown method, Content-Length with Transfer-Encoding)
 * get our JSON error body too, instead of Node's empty one, and are logged once.
 *
 * Bytes that fail to parse after a complete request on the same connection (a client that sent
 * `Connection: close` and then more) must not be answered "400" while that request is still being
 * answered: its write can commit, and the client would be told it was refused. The earlier request's
 * answer is sent, then the connection is closed. Headers or a body that never end are answered 408
 * when HTTP_HEADERS_TIMEOUT_MS / HTTP_REQUEST_TIMEOUT_MS run out.
 */

const REASONS: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

function refusal(code: string | undefined): { status: number; code: string; message: string } {
  if (code === 'HPE_HEADER_OVERFLOW') return { status: 431, code: 'headers_too_large', message: 'the request headers exceed 16 KB' };
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: 408, code: 'request_timeout', message: 'the request was not received in time' };
  return { status: 400, code: 'bad_request', message: `the request could not be parsed as HTTP/1.1${code ? ` (${code})` : ''}` };
}

export function answerParserErrors(server: Server, connections: TrackedConnections, logger: Logger): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // The client closed its side in the middle of a request (an aborted upload): nobody to answer, and
    // the request being read must see its connection go (its body read fails, "body_incomplete").
    if (error.code === 'ECONNRESET' || error.code === 'HPE_INVALID_EOF_STATE' || !socket.writable) {
      socket.destroy();
      return;
    }
    const answering = connections.answering(socket);
    const { status, code, message } = refusal(error.code);
    logger.warn('HTTP request refused by the parser', { status, errorCode: code, parserCode: error.code, afterAnsweredRequest: answering !== undefined });
    // A request timeout is about the request being read on this connection: it is the one refused.
    if (answering && error.code !== 'ERR_HTTP_REQUEST_TIMEOUT') {
      answering.once('close', () => socket.destroy());
      return;
    }
    if (answering?.headersSent) {
      socket.destroy();
      return;
    }
    const body = JSON.stringify(errorBody(code, message));
    socket.end(
      `HTTP/1.1 ${status} ${REASONS[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
