import { sign } from 'hono/jwt';

/**
 * Tokens we issue ourselves (the local welcome, `npm run demo`, `npm run token`), shaped as Supabase
 * issues them and signed with the legacy JWT secret (HS256): one place that says how, and that each
 * one expires.
 */
export type MintedRole = 'service_role' | 'oasis_reader';

export interface MintedToken {
  token: string;
  expiresAt: Date;
}

export async function mintToken(jwtSecret: string, role: MintedRole, subject: string, ttlSeconds: number, now: Date): Promise<MintedToken> {
  const iat = Math.floor(now.getTime() / 1000);
  const exp = iat + ttlSeconds;
  const token = await sign({ role, sub: subject, iat, exp }, jwtSecret, 'HS256');
  return { token, expiresAt: new Date(exp * 1000) };
}

/** An expiry as people read it in a terminal: 2026-12-09T00:25:32Z. */
export function expiryText(expiresAt: Date): string {
  return expiresAt.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
