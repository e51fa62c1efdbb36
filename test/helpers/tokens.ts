import { sign } from 'hono/jwt';

/** Tokens shaped like Supabase's, signed with the test secret. */

export const TEST_JWT_SECRET = 'test-jwt-secret-that-is-at-least-32-characters-long';
export const TEST_WEBHOOK_SECRET = 'test-github-webhook-secret';

const now = () => Math.floor(Date.now() / 1000);

export function signToken(claims: Record<string, unknown>, secret = TEST_JWT_SECRET): Promise<string> {
  return sign({ iat: now(), exp: now() + 3600, ...claims }, secret, 'HS256');
}

export function serviceToken(secret = TEST_JWT_SECRET): Promise<string> {
  return signToken({ role: 'service_role', sub: 'test-service' }, secret);
}

export interface UserTokenOptions {
  tenant?: string;
  /** Put the tenant in app_metadata instead of a top-level claim. */
  tenantInAppMetadata?: boolean;
  admin?: boolean;
  sub?: string;
  expiresIn?: number;
}

export function userToken(options: UserTokenOptions = {}, secret = TEST_JWT_SECRET): Promise<string> {
  const appMetadata: Record<string, unknown> = {};
  const claims: Record<string, unknown> = { role: 'authenticated', sub: options.sub ?? '00000000-0000-4000-8000-000000000001' };
  if (options.tenant) {
    if (options.tenantInAppMetadata) appMetadata.tenant = options.tenant;
    else claims.tenant = options.tenant;
  }
  if (options.admin) appMetadata.role = 'admin';
  claims.app_metadata = appMetadata;
  if (options.expiresIn !== undefined) claims.exp = now() + options.expiresIn;
  return signToken(claims, secret);
}
