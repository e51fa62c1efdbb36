/**
 * One SSE client's outgoing stream, with a bounded queue. The HTTP server reads from `body` only as
 * fast as the socket drains (@hono/node-server waits for 'drain'), so frames a slow client has not
 * taken yet pile up here, and only here: past `limit` frames the client is dropped instead of
 * growing memory or slowing anyone else, and it resumes with Last-Event-ID.
 */

export type EndReason = 'client_closed' | 'buffer_full' | 'replay_failed' | 'shutdown';

export interface ChannelOptions {
  /** Frames queued for the client before it counts as too slow. */
  limit: number;
  /** Resets the client's connection (a dropped client's queued frames would otherwise never leave). */
  destroyConnection?: () => void;
  /** Called once, however the stream ends. */
  onEnd: (reason: EndReason) => void;
}

// After a graceful close at shutdown, how long a client may take to read what is queued.
const SHUTDOWN_FLUSH_MS = 1_000;

export class SseChannel {
  readonly body: ReadableStream<Uint8Array>;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private readonly encoder = new TextEncoder();
  private readonly roomWaiters: Array<() => void> = [];
  private endReason: EndReason | null = null;

  constructor(private readonly options: ChannelOptions) {
    this.body = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.controller = controller;
        },
        // Called after the server read a frame and there is room again: wakes a waiting replay.
        pull: () => this.wakeWaiters(),
        cancel: () => {
          this.end('client_closed');
        },
      },
      new CountQueuingStrategy({ highWaterMark: options.limit }),
    );
  }

  get ended(): boolean {
    return this.endReason !== null;
  }

  private hasRoom(): boolean {
    return (this.controller.desiredSize ?? 0) > 0;
  }

  /**
   * Live path: never waits. False when the channel has ended, or ends now because the client is too
   * far behind. Bytes may be shared with other channels (one encoding of an event for every client):
   * nothing downstream writes to them.
   */
  push(frame: string | Uint8Array): boolean {
    if (this.ended) return false;
    if (!this.hasRoom()) {
      this.drop();
      return false;
    }
    this.controller.enqueue(typeof frame === 'string' ? this.encoder.encode(frame) : frame);
    return true;
  }

  /** Replay path: waits until the client has read enough to make room. False once the channel has ended. */
  async pushWhenRoom(frame: string): Promise<boolean> {
    while (!this.ended && !this.hasRoom()) await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
    if (this.ended) return false;
    this.controller.enqueue(this.encoder.encode(frame));
    return true;
  }

  /** End abruptly (the client is too slow, or the replay failed): discard the queue, reset the connection. */
  drop(reason: 'buffer_full' | 'replay_failed' = 'buffer_full'): void {
    if (!this.end(reason)) return;
    if (this.options.destroyConnection) this.options.destroyConnection();
    else this.controller.error(new Error(`feed stream ended: ${reason}`));
  }

  /** Shutdown: end the stream after what is queued; reset the connection if the client does not read it soon. */
  close(): void {
    if (!this.end('shutdown')) return;
    this.controller.close();
    const destroy = this.options.destroyConnection;
    if (destroy) setTimeout(destroy, SHUTDOWN_FLUSH_MS).unref();
  }

  private end(reason: EndReason): boolean {
    if (this.endReason !== null) return false;
    this.endReason = reason;
    this.wakeWaiters();
    this.options.onEnd(reason);
    return true;
  }

  private wakeWaiters(): void {
    for (const wake of this.roomWaiters.splice(0)) wake();
  }
}
