import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signatureFor, verifySignature } from '../../runtime/github/signature.js';

const bytes = (text: string) => new TextEncoder().encode(text);
// Computed with node:crypto directly, independently of the module under test.
const hmac = (secret: string, body: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

describe('GitHub webhook signatures (X-Hub-Signature-256)', () => {
  const VECTOR_SECRET = "It's a Secret to Everybody";
  const VECTOR_BODY = 'Hello, World!';
  const VECTOR_SIGNATURE = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

  it("GitHub's documented test vector", () => {
    expect(signatureFor(VECTOR_SECRET, VECTOR_BODY)).toBe(VECTOR_SIGNATURE);
    expect(verifySignature(bytes(VECTOR_BODY), VECTOR_SIGNATURE, [VECTOR_SECRET])).toBe(true);
  });

  it('accepts upper-case hex and surrounding whitespace in the header', () => {
    expect(verifySignature(bytes(VECTOR_BODY), `sha256=${VECTOR_SIGNATURE.slice(7).toUpperCase()}`, [VECTOR_SECRET])).toBe(true);
    expect(verifySignature(bytes(VECTOR_BODY), ` ${VECTOR_SIGNATURE} `, [VECTOR_SECRET])).toBe(true);
  });

  it('a tampered body fails', () => {
    expect(verifySignature(bytes('Hello, World?'), VECTOR_SIGNATURE, [VECTOR_SECRET])).toBe(false);
    expect(verifySignature(bytes('Hello, World! '), VECTOR_SIGNATURE, [VECTOR_SECRET])).toBe(false);
    expect(verifySignature(bytes(''), VECTOR_SIGNATURE, [VECTOR_SECRET])).toBe(false);
  });

  it('a signature made with another secret fails', () => {
    expect(verifySignature(bytes(VECTOR_BODY), hmac('another secret', VECTOR_BODY), [VECTOR_SECRET])).toBe(false);
  });

  it('verifies the exact bytes: a re-encoded JSON body with the same meaning fails', () => {
    const sent = '{"a": 1}';
    expect(verifySignature(bytes('{"a":1}'), hmac('s', sent), ['s'])).toBe(false);
    expect(verifySignature(bytes(sent), hmac('s', sent), ['s'])).toBe(true);
  });

  it('multi-byte UTF-8 bodies are signed over their bytes', () => {
    const body = '{"title":"Déploiement · VTID-2026-0042 🚀"}';
    expect(verifySignature(bytes(body), hmac('s', body), ['s'])).toBe(true);
  });

  describe('rotation: current and previous secret', () => {
    const body = '{"zen":"Design for failure."}';
    it('accepts a signature with the current or the previous secret', () => {
      expect(verifySignature(bytes(body), hmac('new', body), ['new', 'old'])).toBe(true);
      expect(verifySignature(bytes(body), hmac('old', body), ['new', 'old'])).toBe(true);
    });
    it('refuses the old secret once the rotation is finished (previous unset)', () => {
      expect(verifySignature(bytes(body), hmac('old', body), ['new'])).toBe(false);
    });
    it('refuses a third secret', () => {
      expect(verifySignature(bytes(body), hmac('other', body), ['new', 'old'])).toBe(false);
    });
    it('ignores empty secrets and refuses everything when none is configured', () => {
      expect(verifySignature(bytes(body), hmac('', body), ['', 'new'])).toBe(false);
      expect(verifySignature(bytes(body), hmac('new', body), [])).toBe(false);
    });
  });

  describe('malformed headers fail without throwing', () => {
    const body = 'x';
    const good = hmac('s', body);
    it.each([
      ['missing', undefined],
      ['empty', ''],
      ['no prefix', good.slice(7)],
      ['sha1 prefix (legacy X-Hub-Signature)', `sha1=${createHmac('sha1', 's').update(body).digest('hex')}`],
      ['upper-case prefix', `SHA256=${good.slice(7)}`],
      ['too short', good.slice(0, -2)],
      ['too long', `${good}00`],
      ['not hex', `sha256=${'z'.repeat(64)}`],
      ['two signatures', `${good},${good}`],
    ])('%s', (_name, header) => {
      expect(verifySignature(bytes(body), header, ['s'])).toBe(false);
    });
  });
});
