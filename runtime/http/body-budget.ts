/**
 * The bytes of request bodies this process holds at once, over every request and every route. A body
 * is read into memory before anything can judge it (a webhook's signature covers the whole body), so
 * without a bound a handful of anonymous uploads near the 25 MB cap take an instance past its memory
 * limit. A request reserves its bytes before it holds them and gives them back when it is answered;
 * what does not fit is refused (503 server_busy, read-body.ts) instead of being read.
 */
export class BodyBudget {
  #inFlight = 0;

  constructor(readonly totalBytes: number) {}

  /** Bytes reserved right now (for tests and health). */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Reserves `bytes` if they fit next to what is held; false (nothing reserved) when they do not. */
  tryReserve(bytes: number): boolean {
    if (this.#inFlight + bytes > this.totalBytes) return false;
    this.#inFlight += bytes;
    return true;
  }

  release(bytes: number): void {
    this.#inFlight = Math.max(0, this.#inFlight - bytes);
  }
}
