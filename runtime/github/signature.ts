import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * GitHub webhook signatures: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, raw body)>`.
 * Verified over the exact bytes received, before anything parses them.
 */

const HEADER = /^sha256=([0-9a-fA-F]{64})$/;

/** The header value GitHub would send for `body` signed with `secret`. */
export function signatureFor(secret: string, body: Uint8Array | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * True when `header` is a valid signature of `body` under any of `secrets` (the current secret and,
 * during a rotation, the previous one). The digests are compared in constant time; every secret is
 * checked, so the time taken does not tell which one matched.
 */
export function verifySignature(body: Uint8Array, header: string | undefined, secrets: readonly string[]): boolean {
  const match = header === undefined ? null : HEADER.exec(header.trim());
  if (!match) return false;
  const received = Buffer.from(match[1]!, 'hex');
  let valid = false;
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    const expected = createHmac('sha256', secret).update(body).digest();
    // Both are 32 bytes (the header pattern fixes the length), as timingSafeEqual requires.
    if (timingSafeEqual(expected, received)) valid = true;
  }
  return valid;
}
