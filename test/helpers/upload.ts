import { connect } from 'node:net';

/**
 * An upload written by hand on a raw socket, for clients no HTTP library imitates: one that declares a
 * length and stalls, one that sends chunks without a length, one that keeps sending while it is being
 * refused. It stops sending as soon as the server answers (as a well-behaved client does), and
 * resolves with what the server answered once it closed or answered in full.
 */

export interface UploadOptions {
  path: string;
  headers: Record<string, string>;
  /** Body bytes to send; the same buffer may back many uploads (it is never changed). */
  body: Uint8Array;
  /** `length` sends Content-Length: body.length; `chunked` sends Transfer-Encoding: chunked. */
  framing: 'length' | 'chunked';
  /** Send only this many bytes of the body, then wait for the answer without ending the request. */
  stallAfter?: number;
  /** Give up (reject) when nothing conclusive happened by then. */
  timeoutMs?: number;
}

export interface UploadAnswer {
  /** The answer's status, or null when the connection was reset before any answer arrived. */
  status: number | null;
  /** The parsed JSON body of the answer, when it had one. */
  body: unknown;
  headers: Record<string, string>;
}

const CHUNK = 256 * 1024;

function parseAnswer(text: string): UploadAnswer | null {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? NaN);
  const rest = text.slice(end + 4);
  if (!Number.isNaN(length) && Buffer.byteLength(rest) < length) return null;
  let body: unknown = undefined;
  try {
    body = JSON.parse(rest);
  } catch {
    body = rest;
  }
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine ?? '')?.[1]), body, headers };
}

export function rawUpload(url: string, options: UploadOptions): Promise<UploadAnswer> {
  const { hostname, port } = new URL(url);
  const sendBytes = Math.min(options.stallAfter ?? options.body.length, options.body.length);
  return new Promise<UploadAnswer>((resolve, reject) => {
    let received = '';
    let answered: UploadAnswer | null = null;
    const socket = connect(Number(port), hostname);
    socket.setEncoding('utf8');
    const timer = setTimeout(() => socket.destroy(new Error(`no answer within ${options.timeoutMs ?? 30_000} ms: ${received.slice(0, 200)}`)), options.timeoutMs ?? 30_000);
    const finish = (error?: Error) => {
      clearTimeout(timer);
      socket.destroy();
      if (answered) resolve(answered);
      else if (error && !/ECONNRESET|EPIPE/.test(error.message)) reject(error);
      else resolve({ status: null, body: undefined, headers: {} });
    };
    socket.on('data', (chunk: string) => {
      received += chunk;
      answered ??= parseAnswer(received);
      if (answered) finish();
    });
    socket.on('close', () => finish());
    socket.on('error', (error) => finish(error));

    const write = (data: Uint8Array | string) =>
      new Promise<void>((done) => {
        if (socket.destroyed || answered) return done();
        if (socket.write(data)) done();
        else socket.once('drain', () => done());
      });
    socket.once('connect', async () => {
      const framing = options.framing === 'length' ? `Content-Length: ${options.body.length}` : 'Transfer-Encoding: chunked';
      const head = [`POST ${options.path} HTTP/1.1`, `Host: ${hostname}:${port}`, framing, ...Object.entries(options.headers).map(([k, v]) => `${k}: ${v}`)];
      await write(`${head.join('\r\n')}\r\n\r\n`);
      for (let offset = 0; offset < sendBytes && !answered && !socket.destroyed; offset += CHUNK) {
        const piece = options.body.subarray(offset, Math.min(offset + CHUNK, sendBytes));
        if (options.framing === 'chunked') await write(`${piece.length.toString(16)}\r\n`);
        await write(piece);
        if (options.framing === 'chunked') await write('\r\n');
      }
      if (sendBytes === options.body.length && options.framing === 'chunked') await write('0\r\n\r\n');
    });
  });
}
