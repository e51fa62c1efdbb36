import { readJsonObject } from './send-delivery.js';

/** The gateway's JSON API as the story's service client calls it (service-role bearer token). */

export interface ApiAnswer {
  status: number;
  body: Record<string, unknown>;
}

export async function callGateway(gateway: string, token: string, method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown): Promise<ApiAnswer> {
  const response = await fetch(`${gateway}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: await readJsonObject(response) };
}

/** Why a gateway cannot be reached, in the words of the socket (ECONNREFUSED, ENOTFOUND), or null when it answers /healthz. */
export async function unreachable(gateway: string): Promise<string | null> {
  try {
    const response = await fetch(`${gateway}/healthz`, { signal: AbortSignal.timeout(5_000) });
    return response.ok ? null : `GET /healthz answered ${response.status}`;
  } catch (error) {
    return networkReason(error);
  }
}

/** fetch's "fetch failed" says nothing; its cause names the socket's error (ECONNREFUSED, ENOTFOUND). */
export function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}
