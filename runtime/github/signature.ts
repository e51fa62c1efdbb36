import { createHmac, timingSafeEqual, type Hmac } from 'node:crypto';

/**
 * GitHub webhook signatures: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, raw body)>`.
 * Verified over the exact bytes received, before anything parses them. The HMAC is computed while the
 * body streams in (SignatureCheck), so the bytes are hashed once, as they arrive.
 */

const HEADER = /^sha256=([0-9a-fA-F]{64})$/;

/** The header value GitHub would send for `body` signed with `secret`. */
export function signatureFor(secret: string, body: Uint8Array | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** The 32 digest bytes a well-formed header carries, or null (missing, another algorithm, not 64 hex digits). */
export function parseSignatureHeader(header: string | undefined): Buffer | null {
  const match = header === undefined ? null : HEADER.exec(header.trim());
  return match ? Buffer.from(match[1]!, 'hex') : null;
}

/**
 * One HMAC per secret (the current one and, during a rotation, the previous one), fed chunk by chunk.
 * `matches` compares in constant time and checks every secret, so the time taken does not tell which
 * one matched.
 */
export class SignatureCheck {
  readonly #hmacs: Hmac[];

  constructor(secrets: readonly string[]) {
    this.#hmacs = secrets.filter((secret) => secret.length > 0).map((secret) => createHmac('sha256', secret));
  }

  update(chunk: Uint8Array): void {
    for (const hmac of this.#hmacs) hmac.update(chunk);
  }

  /** Once, after the last chunk: true when `received` (parseSignatureHeader) is the digest under a secret. */
  matches(received: Buffer): boolean {
    let valid = false;
    for (const hmac of this.#hmacs) {
      // Both are 32 bytes (the header pattern fixes the length), as timingSafeEqual requires.
      if (timingSafeEqual(hmac.digest(), received)) valid = true;
    }
    return valid;
  }
}

/** True when `header` is a valid signature of `body` under any of `secrets`. */
export function verifySignature(body: Uint8Array, header: string | undefined, secrets: readonly string[]): boolean {
  const received = parseSignatureHeader(header);
  if (!received) return false;
  const check = new SignatureCheck(secrets);
  check.update(body);
  return check.matches(received);
}
